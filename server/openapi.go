package server

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

var fiberParam = regexp.MustCompile(`:([a-z_]+)`)

// openAPIPath turns /runs/:id into /runs/{id}.
func openAPIPath(p string) string { return fiberParam.ReplaceAllString(p, "{$1}") }

// openAPI is GET /api/v1/openapi.json: OpenAPI 3.1, built from apiRoutes.
func (a *App) openAPI(c *fiber.Ctx) error {
	return c.JSON(a.openAPIDocument())
}

func (a *App) openAPIDocument() map[string]any {
	paths := map[string]map[string]any{}
	for _, r := range a.apiRoutes() {
		p := "/api/v1" + openAPIPath(r.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(r.Method)] = operation(r)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "hookflow API", "version": version,
			"description": "Every route needs Authorization: Bearer <token>. Lists take limit and cursor and answer {items, next_cursor}. Errors are {error: sentence}."},
		"components": map[string]any{
			"securitySchemes": map[string]any{"token": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas": map[string]any{"Error": map[string]any{"type": "object", "required": []string{"error"},
				"properties": map[string]any{"error": map[string]any{"type": "string"}}}},
		},
		"security": []any{map[string]any{"token": []string{}}},
		"paths":    paths,
	}
}

func operation(r apiRoute) map[string]any {
	var params []any
	for _, m := range fiberParam.FindAllStringSubmatch(r.Path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range r.Query {
		params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Doc, "schema": map[string]any{"type": "string"}})
	}
	responses := map[string]any{"401": errorResponse("Missing or wrong token.")}
	answers := r.Answers
	if len(answers) == 0 {
		answers = map[int]string{200: "OK."}
	}
	codes := make([]int, 0, len(answers))
	for code := range answers {
		codes = append(codes, code)
	}
	sort.Ints(codes)
	for _, code := range codes {
		responses[itoa(code)] = map[string]any{"description": answers[code]}
	}
	op := map[string]any{"summary": r.Summary, "responses": responses,
		"operationId": strings.ToLower(r.Method) + strings.ReplaceAll(strings.ReplaceAll(openAPIPath(r.Path), "/", "_"), "{", "by_")}
	if params != nil {
		op["parameters"] = params
	}
	if r.Body != "" {
		op["requestBody"] = map[string]any{"required": true, "content": bodyContent(r.Body)}
	}
	return op
}

func bodyContent(kind string) map[string]any {
	switch kind {
	case "yaml":
		return map[string]any{"application/yaml": map[string]any{"schema": map[string]any{"type": "string"}}}
	case "text":
		return map[string]any{"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}}
	}
	return map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}
}

func errorResponse(desc string) map[string]any {
	return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{
		"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
}

func itoa(n int) string { return strconv.Itoa(n) }
