package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

// startProcess runs bin with args plus "-p <free port>" on 127.0.0.1 and
// returns the address once it accepts TCP connections; the process is
// killed by PID when t ends.
func startProcess(t *testing.T, bin string, args ...string) string {
	t.Helper()
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, append([]string{"-p", strconv.Itoa(port), "-l", "127.0.0.1"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+home)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	if !waitListening(addr, done, nil) {
		t.Fatalf("%s did not start: %s", bin, stderr.String())
	}
	return addr
}

// certs writes a CA, a server certificate for 127.0.0.1 and a client
// certificate, all signed by the CA, as PEM files in dir.
func certs(t *testing.T, dir string) (ca, cert, key, clientCert, clientKey string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ratctl test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leaf := func(name string, serial int64, usage x509.ExtKeyUsage) (string, string) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kb, _ := x509.MarshalECPrivateKey(k)
		return writePEM(t, dir, name+".pem", "CERTIFICATE", der), writePEM(t, dir, name+".key", "EC PRIVATE KEY", kb)
	}
	ca = writePEM(t, dir, "ca.pem", "CERTIFICATE", caDER)
	cert, key = leaf("server", 2, x509.ExtKeyUsageServerAuth)
	clientCert, clientKey = leaf("client", 3, x509.ExtKeyUsageClientAuth)
	return
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTLS(t *testing.T) {
	binaries(t)
	dir := t.TempDir()
	ca, cert, key, ccert, ckey := certs(t, dir)
	servers := []backend{{"ratmemcached", startProcess(t, ratmemcachedBin, "--no-l2", "-Z", "-o", "ssl_chain_cert="+cert+",ssl_key="+key)}}
	if mc := memcachedtest.Binary(); mc != "" {
		args := []string{"-U", "0", "-Z", "-o", "ssl_chain_cert=" + cert + ",ssl_key=" + key}
		if os.Geteuid() == 0 {
			args = append(args, "-u", "root")
		}
		servers = append(servers, backend{"memcached", startProcess(t, mc, args...)})
	}
	for _, b := range servers {
		t.Run(b.name, func(t *testing.T) {
			must(t, ratctlExec(t, b.addr, "", "--tls-ca", ca, "set", "k", "over tls"))
			if r := must(t, ratctl(t, b.addr, "", "--tls-ca", ca, "get", "k")); r.stdout != "over tls" {
				t.Errorf("get over TLS: %q", r.stdout)
			}
			must(t, ratctl(t, b.addr, "", "--tls-insecure", "health"))
			r := must(t, ratctl(t, b.addr, "", "--tls-ca", ca, "keys"))
			if !bytes.Contains([]byte(r.stdout), []byte("k ")) {
				t.Errorf("keys over TLS: %q", r.stdout)
			}
			file := filepath.Join(t.TempDir(), "d")
			must(t, ratctl(t, b.addr, "", "--tls-ca", ca, "dump", file))
			must(t, ratctl(t, b.addr, "", "--tls-ca", ca, "flush"))
			must(t, ratctl(t, b.addr, "", "--tls-ca", ca, "load", file))
			must(t, ratctl(t, b.addr, "", "--tls-ca", ca, "get", "k"))
			wantError(t, ratctlExec(t, b.addr, "", "--tls", "version"), exitError, "certificate signed by unknown authority")
			wantError(t, ratctl(t, b.addr, "", "--tls-ca", ca, "--tls-server-name", "other.example", "version"), exitError, "certificate is not valid for any names, but wanted to match other.example")
			// A plain-text client against a TLS server times out or is
			// dropped; either way one line and exit 1.
			r = ratctl(t, b.addr, "", "--timeout", "300ms", "version")
			if r.code != exitError {
				t.Errorf("plain text against TLS: %v", r)
			}
		})
	}
	t.Run("client certificate", func(t *testing.T) {
		addr := startProcess(t, ratmemcachedBin, "--no-l2", "-Z", "-o", "ssl_chain_cert="+cert+",ssl_key="+key+",ssl_ca_cert="+ca+",ssl_verify_mode=2")
		must(t, ratctlExec(t, addr, "", "--tls-ca", ca, "--tls-cert", ccert, "--tls-key", ckey, "version"))
		r := ratctl(t, addr, "", "--tls-ca", ca, "version")
		if r.code != exitError {
			t.Errorf("without a client certificate: %v", r)
		}
	})
}

// TestTextAuth runs commands against a memcached with text-protocol
// authentication (-Y); ratmemcached has none.
func TestTextAuth(t *testing.T) {
	binaries(t)
	dir := t.TempDir()
	auth := filepath.Join(dir, "auth")
	if err := os.WriteFile(auth, []byte("alice:s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := memcachedtest.Binary()
	if bin == "" {
		t.Skip("memcached not found")
	}
	args := []string{"-U", "0", "-Y", auth}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "root")
	}
	mc := struct{ Addr string }{startProcess(t, bin, args...)}
	creds := []string{"--user", "alice", "--password", "s3cret"}
	must(t, ratctlExec(t, mc.Addr, "", append(creds, "set", "k", "v", "--flags", "5")...))
	if r := must(t, ratctl(t, mc.Addr, "", append(creds, "get", "k")...)); r.stdout != "v" {
		t.Errorf("get: %q", r.stdout)
	}
	for _, cmd := range [][]string{{"stats"}, {"keys"}, {"health"}, {"ping"}, {"version"}, {"incr", "n"}} {
		r := ratctl(t, mc.Addr, "", append(creds, cmd...)...)
		if cmd[0] == "incr" {
			wantError(t, r, exitNotFound, "not found")
			continue
		}
		must(t, r)
	}
	file := filepath.Join(dir, "dump")
	must(t, ratctl(t, mc.Addr, "", append(creds, "dump", file)...))
	must(t, ratctl(t, mc.Addr, "", append(creds, "flush")...))
	must(t, ratctl(t, mc.Addr, "", append(creds, "load", file)...))
	must(t, ratctl(t, mc.Addr, "", append(creds, "get", "k")...))

	// The password from the environment, as documented.
	t.Setenv("RATCTL_PASSWORD", "s3cret")
	must(t, ratctl(t, mc.Addr, "", "--user", "alice", "version"))
	os.Unsetenv("RATCTL_PASSWORD")

	wantError(t, ratctlExec(t, mc.Addr, "", "--user", "alice", "--password", "wrong", "version"), exitError, "authentication failed")
	wantError(t, ratctlExec(t, mc.Addr, "", "version"), exitError, "the server wants --user and --password")
	wantError(t, ratctl(t, mc.Addr, "", "--user", "alice", "--password", "wrong", "health"), exitError, "unhealthy")
	wantError(t, ratctl(t, mc.Addr, "", "--sasl", "version"), exitUsage, "--sasl needs --user")
}
