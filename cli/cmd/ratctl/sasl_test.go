package main

import (
	"os"
	"path/filepath"
	"testing"
)

// SASL PLAIN over the binary protocol against the real ratmemcached -S
// (memcached's Debian build cannot log a user in: see memproto's tests),
// and the text-protocol login against ratmemcached -Y.
func TestAuthAgainstRatmemcached(t *testing.T) {
	dir := t.TempDir()
	pwdb := filepath.Join(dir, "users")
	if err := os.WriteFile(pwdb, []byte("alice:s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MEMCACHED_SASL_PWDB", pwdb)
	addr := startRatmemcached(t, "-S")
	creds := []string{"--sasl", "--user", "alice", "--password", "s3cret"}
	must(t, ratctlExec(t, addr, "", append(creds, "set", "k", "v", "--flags", "5")...))
	if r := must(t, ratctl(t, addr, "", append(creds, "get", "k")...)); r.stdout != "v" {
		t.Errorf("get over SASL: %q", r.stdout)
	}
	must(t, ratctl(t, addr, "", append(creds, "version")...))
	wantError(t, ratctlExec(t, addr, "", "--sasl", "--user", "alice", "--password", "wrong", "version"), exitError, "auth")

	textAddr := startRatmemcached(t, "-Y", pwdb)
	text := []string{"--user", "alice", "--password", "s3cret"}
	must(t, ratctl(t, textAddr, "", append(text, "set", "k", "w")...))
	if r := must(t, ratctl(t, textAddr, "", append(text, "get", "k")...)); r.stdout != "w" {
		t.Errorf("get after text login: %q", r.stdout)
	}
	wantError(t, ratctlExec(t, textAddr, "", "--user", "alice", "--password", "wrong", "version"), exitError, "authentication failed")
}
