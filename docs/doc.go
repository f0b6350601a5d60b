// Package docs holds hookflow's documentation: the reference pages in
// reference/, generated from the same declarations that validation and the
// JSON Schema use, and the hand-written guides in guides/.
//
// The package has no code of its own; its tests do the work:
//
//   - TestReference regenerates every file in reference/ and fails when one
//     differs from what is committed, so CI catches a declaration that
//     changed without its docs. Run `go test ./docs -update` to rewrite
//     them.
//   - TestExamples validates every whole workflow in a ```yaml block of
//     the Markdown files here (and of the README), and every file in
//     workflows/, against the real action registry and the generated JSON
//     Schema; a failure names the file and line.
//   - TestLinks checks that every relative link between the pages points
//     to a file that exists.
//
// A ```yaml block is a whole workflow when its first key is name:. Blocks
// that show only part of a file start with another key, or say so in
// their info string (```yaml fragment); they must still be valid YAML.
package docs
