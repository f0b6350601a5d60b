package actions

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/hookflow/hookflow/engine"
)

// This file is the email action's side of SMTP: the server URL, the
// guarded connection, and what a failure means for the retry policy. The
// password of the URL never reaches an error, a log or a record: every
// error text is scrubbed of it, and the URL is only ever shown without its
// user information.

// smtpSecurity is how the connection to the SMTP server is protected.
type smtpSecurity string

const (
	// smtpOpportunistic upgrades with STARTTLS when the server offers it:
	// smtp:// without tls=.
	smtpOpportunistic smtpSecurity = ""
	// smtpNone never uses TLS: tls=none.
	smtpNone smtpSecurity = "none"
	// smtpStartTLS requires STARTTLS: tls=starttls.
	smtpStartTLS smtpSecurity = "starttls"
	// smtpImplicit speaks TLS from the first byte: smtps://, or tls=tls.
	smtpImplicit smtpSecurity = "tls"
)

// smtpAuthTypes maps the auth= option to go-mail's mechanisms.
var smtpAuthTypes = map[string]gomail.SMTPAuthType{
	"plain":         gomail.SMTPAuthPlain,
	"login":         gomail.SMTPAuthLogin,
	"cram-md5":      gomail.SMTPAuthCramMD5,
	"scram-sha-1":   gomail.SMTPAuthSCRAMSHA1,
	"scram-sha-256": gomail.SMTPAuthSCRAMSHA256,
	"xoauth2":       gomail.SMTPAuthXOAUTH2,
}

// smtpConfig is a parsed SMTP URL.
type smtpConfig struct {
	scheme   string
	host     string
	port     int
	user     string
	password string
	security smtpSecurity
	auth     gomail.SMTPAuthType
	from     string
}

// String shows the server without user information, such as
// smtp://mail.example.com:587.
func (c smtpConfig) String() string {
	return c.scheme + "://" + net.JoinHostPort(c.host, strconv.Itoa(c.port))
}

// parseSMTPURL parses smtp://user:pass@host:port?tls=…&from=…&auth=… (see
// Deps.SMTPURL). Its errors never quote the URL, which holds a password.
func parseSMTPURL(raw string) (smtpConfig, error) {
	var c smtpConfig
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// url.Parse's own text would quote the URL, or a piece of the
		// password (a "/" in it ends the host: `invalid port ":pa"`).
		return c, errors.New("SMTP URL is not valid: want smtp://user:pass@host:port " +
			"(percent-encode / ? # @ : in the user name and password)")
	}
	c.scheme = strings.ToLower(u.Scheme)
	switch c.scheme {
	case "smtp":
		c.port = 587
	case "smtps":
		c.port, c.security = 465, smtpImplicit
	default:
		return c, errors.New("SMTP URL must start with smtp:// or smtps://")
	}
	if c.host = u.Hostname(); c.host == "" {
		return c, errors.New("SMTP URL has no host")
	}
	if p := u.Port(); p != "" {
		if c.port, err = strconv.Atoi(p); err != nil || c.port < 1 || c.port > 65535 {
			return c, fmt.Errorf("SMTP URL port %q is not a port number", p)
		}
	}
	if u.User != nil {
		c.user = u.User.Username()
		c.password, _ = u.User.Password()
	}
	if err := c.setOptions(u.Query()); err != nil {
		return c, err
	}
	return c, nil
}

// setOptions reads the tls, from and auth options of an SMTP URL.
func (c *smtpConfig) setOptions(q url.Values) error {
	for key := range q {
		if key != "tls" && key != "from" && key != "auth" {
			return fmt.Errorf("SMTP URL option %q is unknown: want tls, from or auth", key)
		}
	}
	switch t := strings.ToLower(q.Get("tls")); t {
	case "":
	case "none", "starttls", "tls":
		if c.scheme == "smtps" && t != "tls" {
			return fmt.Errorf("SMTP URL: smtps:// is TLS from the start, so tls=%s does not apply", t)
		}
		c.security = smtpSecurity(t)
	default:
		return fmt.Errorf("SMTP URL option tls=%s is unknown: want none, starttls or tls", t)
	}
	if from := q.Get("from"); from != "" {
		if _, err := mail.ParseAddress(from); err != nil {
			return fmt.Errorf("SMTP URL option from=%s is not an email address", from)
		}
		c.from = from
	}
	c.auth = gomail.SMTPAuthPlain
	if a := strings.ToLower(q.Get("auth")); a != "" {
		t, ok := smtpAuthTypes[a]
		if !ok {
			return fmt.Errorf("SMTP URL option auth=%s is unknown: want plain, login, cram-md5, scram-sha-1, scram-sha-256 or xoauth2", a)
		}
		c.auth = t
	}
	return nil
}

// smtpSender sends messages through one SMTP server per call, dialling
// with the guarded dial function.
type smtpSender struct {
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// rootCAs verifies the server's certificate; nil means the system's
	// roots. Tests set it to trust their own server.
	rootCAs *x509.CertPool
}

// send delivers msg. The connection is closed when ctx ends, so the step's
// timeout bounds the whole conversation, not only the dial.
func (s *smtpSender) send(ctx context.Context, c smtpConfig, msg *gomail.Msg) error {
	timeout := time.Minute
	if dl, ok := ctx.Deadline(); ok {
		if timeout = time.Until(dl); timeout <= 0 {
			return context.DeadlineExceeded
		}
	}
	tlsConf := &tls.Config{ServerName: c.host, MinVersion: tls.VersionTLS12, RootCAs: s.rootCAs}
	opts := []gomail.Option{
		gomail.WithPort(c.port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(tlsConf),
		gomail.WithDialContextFunc(s.dialFunc(ctx, c.security == smtpImplicit, tlsConf)),
	}
	switch c.security {
	case smtpImplicit:
		opts = append(opts, gomail.WithSSL()) // the TLS itself is dialFunc's
	case smtpNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case smtpStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if c.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(c.auth), gomail.WithUsername(c.user), gomail.WithPassword(c.password))
	}
	client, err := gomail.NewClient(c.host, opts...)
	if err != nil {
		return err
	}
	return client.DialAndSendWithContext(ctx, msg)
}

// dialFunc dials through the guarded dialer, adds TLS for implicit-TLS
// servers (go-mail leaves that to a custom dial function), and closes the
// connection when ctx, the step's context, ends.
func (s *smtpSender) dialFunc(ctx context.Context, implicitTLS bool, conf *tls.Config) gomail.DialContextFunc {
	return func(dctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := s.dial(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		if implicitTLS {
			tc := tls.Client(conn, conf)
			if err := tc.HandshakeContext(dctx); err != nil {
				_ = conn.Close()
				return nil, err
			}
			conn = tc // kept a *tls.Conn: go-mail's auth checks for one
		}
		context.AfterFunc(ctx, func() { _ = conn.Close() })
		return conn, nil
	}
}

// checkSMTP classifies a failed send for the retry policy and words it as
// "send email via smtp://host:587: <cause>", without the password:
//
//   - a destination the guard refused, a certificate that does not
//     verify, and a 5xx answer (a rejected recipient, failed
//     authentication) are permanent;
//   - a 4xx answer (greylisting, a full mailbox, too many connections) and
//     network failures are retried;
//   - configuration problems the server cannot fix (no STARTTLS where
//     required, no AUTH, an unsupported mechanism) are permanent.
func checkSMTP(c smtpConfig, err error) error {
	if err == nil {
		return nil
	}
	where := "send email via " + c.String() + ": "
	if r, ok := refusal(err); ok {
		return engine.Permanent(&wrapped{msg: where + r.Error(), err: err})
	}
	out := scrub(&wrapped{msg: where + err.Error(), err: err}, c.password)
	if smtpRetryable(err) {
		return out
	}
	return engine.Permanent(out)
}

// smtpRetryable reports whether an SMTP failure may pass on a later try.
func smtpRetryable(err error) bool {
	var (
		tp      *textproto.Error
		se      *gomail.SendError
		netErr  net.Error
		certErr *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &certErr):
		return false
	case errors.As(err, &tp):
		return tp.Code >= 400 && tp.Code < 500
	case errors.As(err, &se):
		return sendErrorRetryable(se)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &netErr):
		return true
	}
	return false
}

// sendErrorRetryable classifies go-mail's SendError, which carries the
// reply code but does not unwrap: a 4xx code retries, a 5xx code does not,
// and without a code (the connection broke during the transaction) it
// retries unless the message itself was at fault.
func sendErrorRetryable(se *gomail.SendError) bool {
	switch code := se.ErrorCode(); {
	case code >= 500:
		return false
	case code >= 400 || se.IsTemp():
		return true
	}
	switch se.Reason {
	case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
		return false
	}
	return true
}
