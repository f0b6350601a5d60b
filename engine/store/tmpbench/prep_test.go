package tmpbench

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

func build(rows, cols int, style string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO t VALUES ")
	n := 0
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := 0; c < cols; c++ {
			if c > 0 {
				b.WriteByte(',')
			}
			n++
			switch style {
			case "q":
				b.WriteString("?")
			case "qn":
				fmt.Fprintf(&b, "?%d", n)
			case "dn":
				fmt.Fprintf(&b, "$%d", n)
			case "lit":
				fmt.Fprintf(&b, "%d", n)
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

func BenchmarkPrepare(b *testing.B) {
	db, _ := sql.Open("sqlite3", ":memory:")
	db.SetMaxOpenConns(1)
	db.Exec("CREATE TABLE t (a,b,c,d,e,f,g,h,i,j,k,l,m)")
	for _, rows := range []int{50, 500} {
		for _, st := range []string{"q", "qn", "dn", "lit"} {
			q := build(rows, 13, st)
			b.Run(fmt.Sprintf("%s-%d", st, rows), func(b *testing.B) {
				for b.Loop() {
					s, err := db.Prepare(q)
					if err != nil {
						b.Fatal(err)
					}
					s.Close()
				}
			})
		}
	}
}
