package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestSameSQLiteSettingsAsHookflow keeps the baseline honest: its SQLite
// settings are those of hookflow's store writer (plus the IMMEDIATE
// transactions the store asks for on that connection).
func TestSameSQLiteSettingsAsHookflow(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../../engine/store/sqlite.go")
	if err != nil {
		t.Fatalf("read hookflow's store settings to compare: %v", err)
	}
	m := regexp.MustCompile(`const sqliteParams = "([^"]*)"`).FindSubmatch(src)
	if m == nil {
		t.Fatal("engine/store/sqlite.go no longer declares sqliteParams: update this test to find the writer's settings")
	}
	if want := string(m[1]) + "&_txlock=immediate"; sqliteParams != want {
		t.Errorf("the baseline's SQLite settings drifted from hookflow's:\n got %s\nwant %s", sqliteParams, want)
	}
	ps := regexp.MustCompile(`const sqlitePageSize = (\d+)`).FindSubmatch(src)
	if ps == nil || string(ps[1]) != strconv.Itoa(pageSize) {
		t.Errorf("the baseline's page size %d is not hookflow's (%q)", pageSize, ps)
	}
	db, err := openDB(filepath.Join(t.TempDir(), "pages.db"))
	if err != nil {
		t.Fatal(err)
	}
	var got int
	if err := db.Raw(`PRAGMA page_size`).Scan(&got).Error; err != nil || got != pageSize {
		t.Errorf("a new baseline database has page_size %d (%v), want %d", got, err, pageSize)
	}
	if !strings.Contains(sqliteParams, "_synchronous=NORMAL") || !strings.Contains(sqliteParams, "_journal_mode=WAL") {
		t.Errorf("want WAL with synchronous=NORMAL: %s", sqliteParams)
	}
}
