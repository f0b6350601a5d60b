package actions

import (
	"errors"

	"github.com/hookflow/hookflow/engine"
)

// TeamsParams are the parameters of the teams action.
type TeamsParams struct {
	WebhookURL string         `json:"webhook_url" required:"true" secret:"true" doc:"The Microsoft Teams incoming-webhook (or Workflows) URL; it is the credential, so it is shown as *** in records and logs."`
	Text       Text           `json:"text" doc:"The message, sent as an Adaptive Card with one wrapping TextBlock (markdown allowed)."`
	Card       map[string]any `json:"card" doc:"A whole Adaptive Card object, sent as the message's attachment as it is; a full message (type message) or a legacy MessageCard is sent unchanged. Text or card is required, not both."`
}

// Teams returns the teams action: it posts a message with an Adaptive
// Card to a Microsoft Teams incoming webhook.
func Teams(deps Deps) engine.Definition {
	deps = deps.withDefaults()
	return engine.Definition{
		Name:    "teams",
		Summary: "Posts a message or an Adaptive Card to a Microsoft Teams incoming webhook.",
		Output:  "The status of Teams' answer.",
		Params:  TeamsParams{},
		Action:  newChatAction("teams", deps, teamsMessage),
	}
}

// adaptiveCardType is the attachment content type of an Adaptive Card.
const adaptiveCardType = "application/vnd.microsoft.card.adaptive"

// teamsMessage builds the Teams payload: text becomes an Adaptive Card
// with one TextBlock; a card is wrapped in a message as its attachment,
// unless it already is a whole message or a legacy MessageCard.
func teamsMessage(step *engine.Step) (chatMessage, error) {
	p, err := paramsOf[TeamsParams]("teams", step)
	if err != nil {
		return chatMessage{}, err
	}
	switch {
	case p.Text == "" && p.Card == nil:
		return chatMessage{}, errors.New("text or card is required")
	case p.Text != "" && p.Card != nil:
		return chatMessage{}, errors.New("set text or card, not both")
	}
	card := p.Card
	if card == nil {
		card = map[string]any{
			"type":    "AdaptiveCard",
			"version": "1.4",
			"body":    []any{map[string]any{"type": "TextBlock", "text": string(p.Text), "wrap": true}},
		}
	}
	if card["type"] == "message" || card["@type"] == "MessageCard" {
		return chatMessage{webhookURL: p.WebhookURL, payload: card}, nil
	}
	payload := map[string]any{
		"type":        "message",
		"attachments": []any{map[string]any{"contentType": adaptiveCardType, "content": card}},
	}
	return chatMessage{webhookURL: p.WebhookURL, payload: payload}, nil
}
