package main

import (
	"os"
	"regexp"
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
	if !strings.Contains(sqliteParams, "_synchronous=NORMAL") || !strings.Contains(sqliteParams, "_journal_mode=WAL") {
		t.Errorf("want WAL with synchronous=NORMAL: %s", sqliteParams)
	}
}
