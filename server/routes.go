package server

import (
	"net/http"

	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/hookflow/hookflow/web"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// routes builds the HTTP surface: inbound hooks, health, and the API.
func (a *App) routes() *fiber.App {
	lim := a.cfg.File.Limits
	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		BodyLimit:             maxRequestBody,
		ReadTimeout:           lim.ReadTimeout.std(),
		WriteTimeout:          lim.WriteTimeout.std(),
		IdleTimeout:           lim.IdleTimeout.std(),
		ErrorHandler:          errorHandler,
	})
	app.Use(a.metrics.countRequests)
	app.All("/hooks/*", a.hooks.Handler())
	app.Get("/metrics", a.metrics.handler())
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/readyz", a.ready)
	a.mountAPI(app)
	app.Use("/", filesystem.New(filesystem.Config{Root: http.FS(web.Files()), Index: "index.html"}))
	return app
}

// errorHandler answers every error as {"error": "<sentence>"}.
func errorHandler(c *fiber.Ctx, err error) error {
	code := fiber.StatusInternalServerError
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code = fe.Code
	}
	return c.Status(code).JSON(fiber.Map{"error": err.Error()})
}

// apiError answers with status and one sentence.
func apiError(c *fiber.Ctx, status int, msg string) error {
	return c.Status(status).JSON(fiber.Map{"error": msg})
}

// auth checks the bearer token in constant time.
func (a *App) auth(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	tok, ok := strings.CutPrefix(h, "Bearer ")
	sum := sha256.Sum256([]byte(tok))
	if !ok || subtle.ConstantTimeCompare(sum[:], a.tokenHash[:]) != 1 {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="hookflow"`)
		return apiError(c, fiber.StatusUnauthorized, "missing or wrong API token: send Authorization: Bearer <token>")
	}
	return c.Next()
}

// ready answers 200 when the store answers and the server is not draining.
func (a *App) ready(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if a.draining.Load() {
		c.Set(fiber.HeaderRetryAfter, "5")
		return apiError(c, fiber.StatusServiceUnavailable, "draining: the server is shutting down")
	}
	if err := a.store.Ping(c.Context()); err != nil {
		c.Set(fiber.HeaderRetryAfter, "5")
		return apiError(c, fiber.StatusServiceUnavailable, "storage unavailable")
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
