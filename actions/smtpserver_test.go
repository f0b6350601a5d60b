package actions

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpUser and smtpPassword are the test server's credentials.
const (
	smtpUser     = "ana"
	smtpPassword = "pa55-w0rd/smtp"
)

// smtpOptions shape a test SMTP server.
type smtpOptions struct {
	// tls is the server's certificate: offered with STARTTLS, or spoken
	// from the first byte when implicit is set. Nil: no TLS.
	tls      *tls.Config
	implicit bool
	// rcptError and dataError, when set, answer RCPT TO and DATA.
	rcptError *smtp.SMTPError
	dataError *smtp.SMTPError
}

// smtpMessage is one message as the server received it.
type smtpMessage struct {
	From  string
	Rcpts []string
	Data  []byte
	TLS   bool
	User  string
}

// smtpServer is a real SMTP server (github.com/emersion/go-smtp) on a
// loopback port that requires AUTH PLAIN and records what it receives.
type smtpServer struct {
	Addr string
	opts smtpOptions
	mu   sync.Mutex
	msgs []smtpMessage
}

func newSMTPServer(t *testing.T, opts smtpOptions) *smtpServer {
	t.Helper()
	s := &smtpServer{opts: opts}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: s, conn: c}, nil
	}))
	srv.Domain = "mx.test"
	srv.AllowInsecureAuth = true // AUTH PLAIN without TLS, on loopback only
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.tls != nil && opts.implicit {
		ln = tls.NewListener(ln, opts.tls)
	} else {
		srv.TLSConfig = opts.tls
	}
	s.Addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// URL returns the server's URL with the test credentials.
func (s *smtpServer) URL(scheme, query string) string {
	u := scheme + "://" + smtpUser + ":" + strings.ReplaceAll(smtpPassword, "/", "%2F") + "@" + s.Addr
	if query != "" {
		u += "?" + query
	}
	return u
}

func (s *smtpServer) messages() []smtpMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMessage(nil), s.msgs...)
}

// smtpSession is one connection to the test server.
type smtpSession struct {
	srv  *smtpServer
	conn *smtp.Conn
	user string
	msg  smtpMessage
}

var _ smtp.AuthSession = (*smtpSession)(nil)

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != smtpUser || pass != smtpPassword {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		s.user = user
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.msg = smtpMessage{From: from, User: s.user}
	_, s.msg.TLS = s.conn.TLSConnectionState()
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if e := s.srv.opts.rcptError; e != nil {
		return e
	}
	s.msg.Rcpts = append(s.msg.Rcpts, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if e := s.srv.opts.dataError; e != nil {
		return e
	}
	s.msg.Data = b
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, s.msg)
	s.srv.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        { s.msg = smtpMessage{} }
func (s *smtpSession) Logout() error { return nil }

// testCert is a self-signed certificate for 127.0.0.1 and its pool.
var testCert = sync.OnceValues(func() (*tls.Config, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hookflow test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(errors.Join(errors.New("parse test certificate"), err))
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	conf := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	return conf, pool
})
