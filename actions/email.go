package actions

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/hookflow/hookflow/engine"
)

// EmailParams are the parameters of the email action.
type EmailParams struct {
	To      TextList `json:"to" required:"true" doc:"The recipients: one address, a list, or addresses separated by commas, such as Ana <ana@example.com>."`
	Cc      TextList `json:"cc" doc:"Copy recipients, written like to."`
	Bcc     TextList `json:"bcc" doc:"Blind-copy recipients: they receive the message but appear in no header."`
	From    string   `json:"from" doc:"The sender; when not set, the SMTP URL's from= or the server's default sender."`
	Subject Text     `json:"subject" doc:"The subject line."`
	Text    Text     `json:"text" doc:"The plain-text body."`
	HTML    Text     `json:"html" doc:"The HTML body; with text as well, the message carries both as alternatives."`
	SMTP    string   `json:"smtp" secret:"true" doc:"An SMTP URL for this step instead of the server's --smtp, such as smtp://user:pass@host:587 or smtps://…; shown as ***."`
}

// Email returns the email action: it sends one message over SMTP, through
// the guarded dialer of Deps.Dial.
func Email(deps Deps) engine.Definition {
	deps = deps.withDefaults()
	return engine.Definition{
		Name:    "email",
		Summary: "Sends an email over SMTP.",
		Output:  "The message_id of the message sent, such as <msg_…@example.com>.",
		Params:  EmailParams{},
		Action: &emailAction{
			sender:    &smtpSender{dial: deps.Dial},
			smtpURL:   deps.SMTPURL,
			from:      deps.MailFrom,
			userAgent: "hookflow/" + deps.Version,
			now:       deps.Now,
		},
	}
}

// emailAction performs the email action.
type emailAction struct {
	sender    *smtpSender
	smtpURL   string // the server's default, Deps.SMTPURL
	from      string // the server's default sender, Deps.MailFrom
	userAgent string
	now       func() time.Time
}

var _ engine.Action = (*emailAction)(nil)

// Run sends the message once. Its Message-ID is made from the delivery id,
// so every attempt of one delivery sends the same one and receivers can
// drop duplicates. In a dry run the message is recorded, not sent.
func (a *emailAction) Run(ctx context.Context, step *engine.Step) (any, error) {
	p, err := paramsOf[EmailParams]("email", step)
	if err != nil {
		return nil, err
	}
	cfg, err := a.config(p)
	if err != nil && step.DryRun && p.SMTP == "" && a.smtpURL == "" {
		// A dry run sends nothing, so it needs no server: the record
		// shows a placeholder one.
		cfg, err = parseSMTPURL("smtp://smtp.invalid:587?from=hookflow@localhost")
	}
	if err != nil {
		return nil, engine.Permanent(fmt.Errorf("email: %w", err))
	}
	msg, rcpts, err := a.message(p, cfg, step.DeliveryID)
	if err != nil {
		return nil, engine.Permanent(fmt.Errorf("email: %w", err))
	}
	rec := emailRecord(cfg, msg, rcpts)
	out := map[string]any{"message_id": msg.GetMessageID()}
	if step.DryRun {
		step.Observe(rec, nil)
		out["dry_run"] = true
		return out, nil
	}
	if err := checkSMTP(cfg, a.sender.send(ctx, cfg, msg)); err != nil {
		step.Observe(rec, nil)
		return nil, err
	}
	step.Observe(rec, &engine.ResponseRecord{Status: 250})
	return out, nil
}

// config picks the step's SMTP URL, else the server's, and the sender.
func (a *emailAction) config(p *EmailParams) (smtpConfig, error) {
	raw := cmp.Or(strings.TrimSpace(p.SMTP), a.smtpURL)
	if raw == "" {
		return smtpConfig{}, errors.New("no SMTP server: start the server with --smtp (HOOKFLOW_SMTP_URL) or set the step's smtp")
	}
	cfg, err := parseSMTPURL(raw)
	if err != nil {
		return cfg, err
	}
	cfg.from = cmp.Or(strings.TrimSpace(p.From), cfg.from, a.from)
	if cfg.from == "" {
		return cfg, errors.New("no sender: set from, from= in the SMTP URL, or the server's default sender")
	}
	return cfg, nil
}

// emailRecipients are the parsed recipient lists.
type emailRecipients struct{ to, cc, bcc []string }

// message builds the message: headers, a text and/or HTML body (both as
// alternatives), and a Message-ID of the delivery id at the sender's
// domain.
func (a *emailAction) message(p *EmailParams, cfg smtpConfig, deliveryID string) (*gomail.Msg, emailRecipients, error) {
	var r emailRecipients
	var err error
	if r.to, err = addressList("to", p.To); err != nil {
		return nil, r, err
	}
	if len(r.to) == 0 {
		return nil, r, errors.New("to is required")
	}
	if r.cc, err = addressList("cc", p.Cc); err != nil {
		return nil, r, err
	}
	if r.bcc, err = addressList("bcc", p.Bcc); err != nil {
		return nil, r, err
	}
	from, err := mail.ParseAddress(cfg.from)
	if err != nil {
		return nil, r, fmt.Errorf("from %q is not an email address", cfg.from)
	}
	m := gomail.NewMsg()
	m.FromMailAddress(from)
	if err := errors.Join(m.To(r.to...), ccIf(m.Cc, r.cc), ccIf(m.Bcc, r.bcc)); err != nil {
		return nil, r, err
	}
	m.Subject(string(p.Subject))
	m.SetDateWithValue(a.now())
	m.SetUserAgent(a.userAgent)
	m.SetMessageIDWithValue(cmp.Or(deliveryID, newMessageID()) + "@" + domainOf(from.Address))
	switch {
	case p.Text != "" && p.HTML != "":
		m.SetBodyString(gomail.TypeTextPlain, string(p.Text))
		m.AddAlternativeString(gomail.TypeTextHTML, string(p.HTML))
	case p.HTML != "":
		m.SetBodyString(gomail.TypeTextHTML, string(p.HTML))
	default:
		m.SetBodyString(gomail.TypeTextPlain, string(p.Text))
	}
	return m, r, nil
}

// ccIf sets a header's recipients when there are any.
func ccIf(set func(...string) error, addrs []string) error {
	if len(addrs) == 0 {
		return nil
	}
	return set(addrs...)
}

// addressList parses each item as a comma-separated address list.
func addressList(field string, items TextList) ([]string, error) {
	var out []string
	for _, item := range items {
		if strings.TrimSpace(item) == "" {
			continue
		}
		list, err := mail.ParseAddressList(item)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not an email address (or a list of them separated by commas)", field, item)
		}
		for _, addr := range list {
			out = append(out, addr.String())
		}
	}
	return out, nil
}

// domainOf returns the domain of an address, or "hookflow.invalid".
func domainOf(addr string) string {
	if _, domain, ok := strings.Cut(addr, "@"); ok && domain != "" {
		return strings.ToLower(domain)
	}
	return "hookflow.invalid"
}

// emailRecord describes the message for the run record: the server
// without credentials, the envelope as headers, and the message as it
// goes on the wire (capped).
func emailRecord(cfg smtpConfig, m *gomail.Msg, r emailRecipients) *engine.RequestRecord {
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		buf.Reset()
	}
	h := map[string]string{"from": cfg.from, "to": strings.Join(r.to, ", ")}
	if len(r.cc) > 0 {
		h["cc"] = strings.Join(r.cc, ", ")
	}
	if len(r.bcc) > 0 {
		h["bcc"] = strings.Join(r.bcc, ", ")
	}
	return &engine.RequestRecord{Method: "SMTP", URL: cfg.String(), Headers: h, Body: capText(buf.Bytes(), MaxRecordedBody)}
}
