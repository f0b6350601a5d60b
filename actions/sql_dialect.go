package actions

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// sqlDialect is what differs between SQLite, PostgreSQL and MySQL/MariaDB:
// quoting, placeholders, the upsert clause, the catalogue and the meaning
// of errors.
type sqlDialect interface {
	// name names the dialect in messages.
	name() string
	// quote quotes an identifier, doubling any quote inside it.
	quote(ident string) string
	// placeholder returns the n-th (from 1) bound-value placeholder.
	placeholder(n int) string
	// rebind turns a workflow statement's ? placeholders into the
	// dialect's own and returns how many it found (-1: not counted).
	rebind(stmt string) (string, int)
	// upsertTail is the clause after INSERT … VALUES (…) that turns it
	// into an insert-or-update; keys and update are catalogue names.
	upsertTail(keys, update []string) string
	// lookup reads table's real name and columns from the catalogue; it
	// returns nil and no error when there is no such table.
	lookup(ctx context.Context, db *sql.DB, table string) (*sqlTable, error)
	// classify says whether an error from the driver may be retried.
	classify(err error) sqlErrClass
}

// quoteIdent wraps s in q, doubling every q inside it.
func quoteIdent(s string, q byte) string {
	qs := string(q)
	return qs + strings.ReplaceAll(s, qs, qs+qs) + qs
}

// buildUpsert writes the insert-or-update of cols into table (already
// quoted), with keys identifying the row. All names come from the
// catalogue; every value is a placeholder.
func buildUpsert(d sqlDialect, table string, cols, keys []string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(table)
	b.WriteString(" (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.quote(c))
	}
	b.WriteString(") VALUES (")
	for i := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.placeholder(i + 1))
	}
	b.WriteString(") ")
	update := make([]string, 0, len(cols))
	for _, c := range cols {
		if !containsFold(keys, c) {
			update = append(update, c)
		}
	}
	b.WriteString(d.upsertTail(keys, update))
	return b.String()
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// onConflictTail is the SQLite and PostgreSQL upsert clause.
func onConflictTail(d sqlDialect, keys, update []string) string {
	var b strings.Builder
	b.WriteString("ON CONFLICT (")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.quote(k))
	}
	if len(update) == 0 {
		b.WriteString(") DO NOTHING")
		return b.String()
	}
	b.WriteString(") DO UPDATE SET ")
	for i, c := range update {
		if i > 0 {
			b.WriteString(", ")
		}
		q := d.quote(c)
		b.WriteString(q + " = excluded." + q)
	}
	return b.String()
}

// sqliteDialect is SQLite through github.com/mattn/go-sqlite3.
type sqliteDialect struct{}

func (sqliteDialect) name() string                  { return "sqlite" }
func (sqliteDialect) quote(s string) string         { return quoteIdent(s, '"') }
func (sqliteDialect) placeholder(int) string        { return "?" }
func (sqliteDialect) rebind(s string) (string, int) { return s, -1 }
func (d sqliteDialect) upsertTail(keys, update []string) string {
	return onConflictTail(d, keys, update)
}

// postgresDialect is PostgreSQL through pgx.
type postgresDialect struct{}

func (postgresDialect) name() string                      { return "postgres" }
func (postgresDialect) quote(s string) string             { return quoteIdent(s, '"') }
func (postgresDialect) placeholder(n int) string          { return "$" + strconv.Itoa(n) }
func (postgresDialect) rebind(s string) (string, int)     { return rebindDollar(s) }
func (d postgresDialect) upsertTail(k, u []string) string { return onConflictTail(d, k, u) }

// mysqlDialect is MySQL and MariaDB through github.com/go-sql-driver/mysql.
type mysqlDialect struct{}

func (mysqlDialect) name() string                  { return "mysql" }
func (mysqlDialect) quote(s string) string         { return quoteIdent(s, '`') }
func (mysqlDialect) placeholder(int) string        { return "?" }
func (mysqlDialect) rebind(s string) (string, int) { return s, -1 }

// upsertTail is ON DUPLICATE KEY UPDATE with VALUES(), which MariaDB and
// MySQL both accept. The clause names no key: MySQL matches the row on any
// unique key of the table, so the action first checks (from the catalogue)
// that keys are exactly the primary key or a unique index. With nothing to
// update, the key is set to itself so that an existing row is no error.
func (d mysqlDialect) upsertTail(keys, update []string) string {
	var b strings.Builder
	b.WriteString("ON DUPLICATE KEY UPDATE ")
	if len(update) == 0 {
		q := d.quote(keys[0])
		b.WriteString(q + " = " + q)
		return b.String()
	}
	for i, c := range update {
		if i > 0 {
			b.WriteString(", ")
		}
		q := d.quote(c)
		b.WriteString(q + " = VALUES(" + q + ")")
	}
	return b.String()
}

// rebindDollar turns ? placeholders into $1, $2, … for PostgreSQL, leaving
// alone string literals ('…', E'…'), quoted identifiers, dollar-quoted
// strings and comments. ?? stands for a literal ? (the jsonb operator).
func rebindDollar(stmt string) (string, int) {
	var b strings.Builder
	b.Grow(len(stmt) + 8)
	n := 0
	for i := 0; i < len(stmt); {
		j := skipPostgresToken(stmt, i)
		if j > i {
			b.WriteString(stmt[i:j])
			i = j
			continue
		}
		switch {
		case stmt[i] == '?' && i+1 < len(stmt) && stmt[i+1] == '?':
			b.WriteByte('?')
			i += 2
		case stmt[i] == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			i++
		default:
			b.WriteByte(stmt[i])
			i++
		}
	}
	return b.String(), n
}

// skipPostgresToken returns the end of the literal, quoted identifier or
// comment that starts at i, or i when none starts there.
func skipPostgresToken(s string, i int) int {
	switch c := s[i]; {
	case c == '\'':
		escapes := i > 0 && (s[i-1] == 'E' || s[i-1] == 'e') && (i < 2 || !isIdentByte(s[i-2]))
		return skipQuoted(s, i, '\'', escapes)
	case c == '"':
		return skipQuoted(s, i, '"', false)
	case c == '-' && strings.HasPrefix(s[i:], "--"):
		if end := strings.IndexByte(s[i:], '\n'); end >= 0 {
			return i + end + 1
		}
		return len(s)
	case c == '/' && strings.HasPrefix(s[i:], "/*"):
		return skipBlockComment(s, i)
	case c == '$' && (i == 0 || !isIdentByte(s[i-1])):
		return skipDollarQuoted(s, i)
	}
	return i
}

// skipQuoted returns the index after the quote that closes the one at i; a
// doubled quote is part of the text, and so is a backslash-escaped one when
// escapes is set.
func skipQuoted(s string, i int, q byte, escapes bool) int {
	for j := i + 1; j < len(s); j++ {
		switch {
		case escapes && s[j] == '\\':
			j++
		case s[j] == q && j+1 < len(s) && s[j+1] == q:
			j++
		case s[j] == q:
			return j + 1
		}
	}
	return len(s)
}

// skipBlockComment skips a /* … */ comment, which nests in PostgreSQL.
func skipBlockComment(s string, i int) int {
	depth := 0
	for j := i; j < len(s)-1; j++ {
		switch s[j : j+2] {
		case "/*":
			depth++
			j++
		case "*/":
			depth--
			j++
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(s)
}

// skipDollarQuoted skips $tag$ … $tag$ when one starts at i.
func skipDollarQuoted(s string, i int) int {
	end := strings.IndexByte(s[i+1:], '$')
	if end < 0 {
		return i
	}
	tag := s[i : i+end+2]
	for k := 1; k < len(tag)-1; k++ {
		c := tag[k]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || k > 1 && c >= '0' && c <= '9' || c >= 0x80) {
			return i // $1 or a $ that starts no tag
		}
	}
	body := i + len(tag)
	if closing := strings.Index(s[body:], tag); closing >= 0 {
		return body + closing + len(tag)
	}
	return len(s)
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
