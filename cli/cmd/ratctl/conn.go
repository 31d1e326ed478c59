package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/ratmemcache/ratmemcache/cli/internal/client"
)

// Globals are the connection options every command shares.
type Globals struct {
	Servers     []string      `name:"server" short:"s" default:"127.0.0.1:11211" env:"RATCTL_SERVER" placeholder:"HOST:PORT" help:"Server address; repeat (or separate with commas) to address several servers where a command allows it."`
	Timeout     time.Duration `default:"5s" help:"Timeout of the connection and of each request."`
	TLS         bool          `name:"tls" help:"Connect with TLS." group:"TLS"`
	TLSCA       string        `name:"tls-ca" type:"existingfile" placeholder:"FILE" help:"PEM file of the CA certificates that sign the server's certificate (implies --tls)." group:"TLS"`
	TLSCert     string        `name:"tls-cert" type:"existingfile" placeholder:"FILE" help:"PEM client certificate (implies --tls; needs --tls-key)." group:"TLS"`
	TLSKey      string        `name:"tls-key" type:"existingfile" placeholder:"FILE" help:"PEM key of --tls-cert." group:"TLS"`
	TLSInsecure bool          `name:"tls-insecure" help:"Do not verify the server's certificate (implies --tls)." group:"TLS"`
	TLSName     string        `name:"tls-server-name" placeholder:"NAME" help:"Name to verify the server's certificate against (default: the host of --server)." group:"TLS"`
	User        string        `env:"RATCTL_USER" help:"User name for authentication (memcached -Y text authentication, or SASL with --sasl)." group:"Authentication"`
	Password    string        `env:"RATCTL_PASSWORD" help:"Password; prefer the RATCTL_PASSWORD environment variable to the command line." group:"Authentication"`
	SASL        bool          `name:"sasl" help:"Authenticate with SASL PLAIN over the binary protocol (memcached -S); implies --binary." group:"Authentication"`
	Binary      bool          `name:"binary" help:"Speak the binary protocol instead of the text protocol; keys and dump are then unavailable (they need lru_crawler metadump)."`

	Version kong.VersionFlag `short:"V" help:"Print ratctl's version and exit."`
}

func (g *Globals) validate() error {
	var out []string
	for _, s := range g.Servers {
		for _, a := range strings.Split(s, ",") {
			a = strings.TrimSpace(a)
			if a == "" {
				continue
			}
			if _, port, err := net.SplitHostPort(a); err != nil {
				if !strings.Contains(a, ":") {
					a = net.JoinHostPort(a, "11211")
				} else {
					return fmt.Errorf("--server %q: %v", a, err)
				}
			} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
				return fmt.Errorf("--server %q: bad port", a)
			}
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return errors.New("--server: no address given")
	}
	g.Servers = out
	if g.TLSCert != "" && g.TLSKey == "" || g.TLSCert == "" && g.TLSKey != "" {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if g.Timeout <= 0 {
		return errors.New("--timeout must be positive")
	}
	if g.SASL && g.User == "" {
		return errors.New("--sasl needs --user")
	}
	return nil
}

// options builds the client options from the flags.
func (g *Globals) options() (client.Options, error) {
	o := client.Options{Timeout: g.Timeout, User: g.User, Password: g.Password, Binary: g.Binary || g.SASL}
	if !g.TLS && g.TLSCA == "" && g.TLSCert == "" && !g.TLSInsecure {
		return o, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: g.TLSInsecure, ServerName: g.TLSName}
	if g.TLSCA != "" {
		pem, err := os.ReadFile(g.TLSCA)
		if err != nil {
			return o, fmt.Errorf("--tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return o, fmt.Errorf("--tls-ca: %s holds no PEM certificate", g.TLSCA)
		}
		cfg.RootCAs = pool
	}
	if g.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(g.TLSCert, g.TLSKey)
		if err != nil {
			return o, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	o.TLS = cfg
	return o, nil
}

// dial connects to addr with the global options.
func (g *Globals) dial(addr string) (*client.Conn, error) {
	o, err := g.options()
	if err != nil {
		return nil, err
	}
	return client.Dial(addr, o)
}

// one returns the single server of a command that talks to one.
func (g *Globals) one(cmd string) (*client.Conn, error) {
	if len(g.Servers) > 1 {
		return nil, &codeError{exitUsage, fmt.Errorf("%s talks to one server; give a single --server (got %d)", cmd, len(g.Servers))}
	}
	return g.dial(g.Servers[0])
}

// each runs fn on a connection to every server in turn; the first error
// stops it.
func (g *Globals) each(fn func(c *client.Conn) error) error {
	for _, addr := range g.Servers {
		c, err := g.dial(addr)
		if err != nil {
			return err
		}
		err = fn(c)
		c.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// opError is an error of an operation on one server, printed as
// "<addr>: <op>: <cause>" without repeating the address the client
// already put on I/O errors.
type opError struct {
	addr, op string
	err      error
}

func (e *opError) Error() string {
	return e.addr + ": " + e.op + ": " + strings.TrimPrefix(e.err.Error(), e.addr+": ")
}

func (e *opError) Unwrap() error { return e.err }
