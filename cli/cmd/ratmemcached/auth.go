package main

import (
	"errors"
	"os"

	"github.com/ratmemcache/ratmemcache/cli/internal/config"
	"github.com/ratmemcache/ratmemcache/server"
)

// saslPasswordEnv names the user:password file for -S, as memcached's own
// MEMCACHED_SASL_PWDB does.
const saslPasswordEnv = "MEMCACHED_SASL_PWDB"

// setupAuth turns on memcached's authentication modes: -Y FILE (text
// protocol, user:password lines) or -S (binary SASL PLAIN, with the
// user:password file named by MEMCACHED_SASL_PWDB).
func setupAuth(srv *server.Server, cfg *config.Config) error {
	if cfg.Server.AuthFile != "" {
		a, err := server.LoadAuthFile(cfg.Server.AuthFile)
		if err != nil {
			return err
		}
		srv.TextAuth = a
	}
	if cfg.Server.EnableSASL {
		path := os.Getenv(saslPasswordEnv)
		if path == "" {
			return errors.New("-S (SASL) needs a user:password file named by " + saslPasswordEnv + ", as memcached does")
		}
		a, err := server.LoadAuthFile(path)
		if err != nil {
			return err
		}
		srv.SASL = a
	}
	return nil
}
