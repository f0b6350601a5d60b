package actions

import (
	"errors"

	"github.com/hookflow/hookflow/engine"
)

// SlackParams are the parameters of the slack action.
type SlackParams struct {
	WebhookURL string `json:"webhook_url" required:"true" secret:"true" doc:"The Slack incoming-webhook URL; it is the credential, so it is shown as *** in records and logs."`
	Text       Text   `json:"text" doc:"The message in Slack mrkdwn; with blocks, the fallback shown in notifications."`
	Blocks     []any  `json:"blocks" doc:"Block Kit blocks, sent as they are; text or blocks is required."`
	Username   string `json:"username" doc:"The name to post as, where the app allows overriding it."`
	IconEmoji  string `json:"icon_emoji" doc:"The emoji to post with, such as :rocket:, where the app allows overriding it."`
	Channel    string `json:"channel" doc:"The channel to post to, where a legacy webhook allows overriding its own."`
}

// Slack returns the slack action: it posts {"text", "blocks", …} to a
// Slack incoming webhook.
func Slack(deps Deps) engine.Definition {
	deps = deps.withDefaults()
	return engine.Definition{
		Name:    "slack",
		Summary: "Posts a message to a Slack incoming webhook.",
		Output:  "The status of Slack's answer.",
		Params:  SlackParams{},
		Action:  newChatAction("slack", deps, slackMessage),
	}
}

// slackMessage builds Slack's incoming-webhook payload.
func slackMessage(step *engine.Step) (chatMessage, error) {
	p, err := paramsOf[SlackParams]("slack", step)
	if err != nil {
		return chatMessage{}, err
	}
	if p.Text == "" && len(p.Blocks) == 0 {
		return chatMessage{}, errors.New("text or blocks is required")
	}
	payload := map[string]any{}
	setIf(payload, "text", string(p.Text))
	if len(p.Blocks) > 0 {
		payload["blocks"] = p.Blocks
	}
	setIf(payload, "username", p.Username)
	setIf(payload, "icon_emoji", p.IconEmoji)
	setIf(payload, "channel", p.Channel)
	return chatMessage{webhookURL: p.WebhookURL, payload: payload}, nil
}
