// Package web holds what the server serves at /: today a page that points
// to the API, later the built web editor (SPEC section 5). Files under dist/
// are embedded in the binary, so the server needs nothing on disk.
package web

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// Files returns the files served at /, rooted at dist/.
func Files() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded at build time: it always exists
	}
	return sub
}
