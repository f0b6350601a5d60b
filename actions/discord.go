package actions

import (
	"errors"

	"github.com/hookflow/hookflow/engine"
)

// DiscordParams are the parameters of the discord action.
type DiscordParams struct {
	WebhookURL string `json:"webhook_url" required:"true" secret:"true" doc:"The Discord webhook URL; it is the credential, so it is shown as *** in records and logs."`
	Content    Text   `json:"content" doc:"The message text, up to 2000 characters of Discord markdown."`
	Embeds     []any  `json:"embeds" doc:"Rich embeds (up to 10 objects with title, description, url, color, fields, …), sent as they are; content or embeds is required."`
	Username   string `json:"username" doc:"The name to post as instead of the webhook's own."`
	AvatarURL  string `json:"avatar_url" doc:"The URL of the avatar to post with instead of the webhook's own."`
}

// Discord returns the discord action: it posts {"content", "embeds", …}
// to a Discord webhook.
func Discord(deps Deps) engine.Definition {
	deps = deps.withDefaults()
	return engine.Definition{
		Name:    "discord",
		Summary: "Posts a message to a Discord webhook.",
		Output:  "The status of Discord's answer.",
		Params:  DiscordParams{},
		Action:  newChatAction("discord", deps, discordMessage),
	}
}

// discordMessage builds Discord's webhook payload.
func discordMessage(step *engine.Step) (chatMessage, error) {
	p, err := paramsOf[DiscordParams]("discord", step)
	if err != nil {
		return chatMessage{}, err
	}
	if p.Content == "" && len(p.Embeds) == 0 {
		return chatMessage{}, errors.New("content or embeds is required")
	}
	payload := map[string]any{}
	setIf(payload, "content", string(p.Content))
	if len(p.Embeds) > 0 {
		payload["embeds"] = p.Embeds
	}
	setIf(payload, "username", p.Username)
	setIf(payload, "avatar_url", p.AvatarURL)
	return chatMessage{webhookURL: p.WebhookURL, payload: payload}, nil
}
