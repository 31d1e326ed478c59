package persist_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/persist"
	bolt "go.etcd.io/bbolt"
)

// wantErr checks err against a sentinel and that the message a user sees
// contains each fragment.
func wantErr(t *testing.T, err, kind error, fragments ...string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("got error %v, want %v", err, kind)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("message %q lacks %q", err, f)
		}
	}
	t.Logf("user sees: %v", err)
}

func TestOpen_DirMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no", "such", "dir")
	_, err := persist.Open(dir, persist.Options{MustExist: true})
	wantErr(t, err, persist.ErrDirMissing, "data directory does not exist", dir)

	// By default Open creates it.
	s := open(t, dir, persist.Options{})
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("Open did not create %s: %v", dir, err)
	}
	_ = s.Close()
}

func TestOpen_NotADirectory(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := persist.Open(f, persist.Options{})
	wantErr(t, err, persist.ErrNotDir, "not a directory", f)
}

func TestOpen_ReadOnlyDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("directory permission bits do not restrict writes on Windows")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	if f, err := os.Create(filepath.Join(dir, "probe")); err == nil {
		_ = f.Close()
		t.Skipf("permissions do not apply to this user (uid %d, probably root): cannot test a read-only directory", os.Geteuid())
	}
	_, err := persist.Open(dir, persist.Options{})
	wantErr(t, err, persist.ErrReadOnly, "not writable", dir, "permission")
}

func TestOpen_Locked(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, persist.Options{})
	start := time.Now()
	_, err := persist.Open(dir, persist.Options{LockTimeout: 200 * time.Millisecond})
	wantErr(t, err, persist.ErrLocked, "locked by another process", s.Path(), "200ms")
	if d := time.Since(start); d < 150*time.Millisecond || d > 5*time.Second {
		t.Errorf("waited %v for a 200ms lock timeout", d)
	}
	_ = s.Close()
	s2 := open(t, dir, persist.Options{})
	_ = s2.Close()
}

func TestOpen_UnknownFormatVersion(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, persist.Options{})
	if err := s.Put(engine.L2Entry{Key: "k", Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	_ = s.Close()
	setMeta(t, path, "format", []byte{9})

	_, err := persist.Open(dir, persist.Options{})
	wantErr(t, err, persist.ErrUnknownFormat, "format version 9", "reads 1 to 1", path)
	// The file is untouched: data is still there for a newer build.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("items")).Get([]byte("k")) == nil {
			t.Error("refused file was modified")
		}
		return nil
	})
	_ = db.Close()

	// clear_on_startup says the contents may go.
	s = open(t, dir, persist.Options{ClearOnStartup: true})
	if st := s.Stats(); st.Items != 0 {
		t.Errorf("Items = %d", st.Items)
	}
}

func setMeta(t *testing.T, path, key string, val []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte(key), val) }); err != nil {
		t.Fatal(err)
	}
}

func TestGet_UnknownRecordVersion(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, persist.Options{})
	path := s.Path()
	_ = s.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("items")).Put([]byte("future"), []byte{7, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0})
	})
	_ = db.Close()
	s = open(t, dir, persist.Options{})
	_, ok, err := s.Get("future")
	if ok {
		t.Error("ok for an undecodable record")
	}
	wantErr(t, err, persist.ErrUnknownFormat, `"future"`, "record version 7")
	err = s.Range(func(engine.L2Entry) bool { return true })
	wantErr(t, err, persist.ErrUnknownFormat, `"future"`)
	// Overwriting and deleting still work.
	if err := s.Put(engine.L2Entry{Key: "future", Value: []byte("now")}); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, "future")
}

func TestOpen_NotOurFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, persist.DefaultFileName)
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := persist.Open(dir, persist.Options{})
	wantErr(t, err, persist.ErrCorrupt, "not a RatMemCache database", path)

	// A bbolt file of some other program.
	dir2 := t.TempDir()
	path2 := filepath.Join(dir2, persist.DefaultFileName)
	db, err := bolt.Open(path2, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err })
	_ = db.Close()
	_, err = persist.Open(dir2, persist.Options{})
	wantErr(t, err, persist.ErrCorrupt, "meta bucket", path2)
}

func TestPut_DiskFull(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux to mount a small tmpfs")
	}
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })

	s, err := persist.Open(dir, persist.Options{Durability: persist.DurabilitySync, DisableCompression: true})
	if err != nil {
		t.Fatal(err)
	}
	val := randomBytes(32 << 10)
	var perr error
	for i := 0; i < 100 && perr == nil; i++ {
		perr = s.Put(engine.L2Entry{Key: "k" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Value: val})
	}
	wantErr(t, perr, persist.ErrDiskFull, "disk full", dir, "no space left on device")
	if !errors.Is(perr, syscall.ENOSPC) {
		t.Errorf("ENOSPC not in the chain: %v", perr)
	}
	// Still readable and closable after the failure.
	mustGet(t, s, "kaa")
	if err := s.Close(); err != nil {
		t.Logf("Close after disk full: %v", err)
	}
}

func TestPut_QueueFullFailsInsteadOfDropping(t *testing.T) {
	// A queue of 1 and no waiting: with many concurrent writers some
	// writes must see ErrQueueFull, and every write that returned nil
	// must be stored.
	s := open(t, t.TempDir(), persist.Options{Durability: persist.DurabilitySync, QueueSize: 1, EnqueueTimeout: -1})
	type res struct {
		key string
		err error
	}
	out := make(chan res, 400)
	for w := range 8 {
		go func() {
			for i := range 50 {
				k := string(rune('a'+w)) + "-" + strings.Repeat("x", i%5) + string(rune('A'+i))
				out <- res{k, s.Put(engine.L2Entry{Key: k, Value: []byte(k)})}
			}
		}()
	}
	full := 0
	for range 400 {
		r := <-out
		switch {
		case r.err == nil:
			mustGet(t, s, r.key)
		case errors.Is(r.err, persist.ErrQueueFull):
			if full == 0 {
				wantErr(t, r.err, persist.ErrQueueFull, "write queue full", "nothing of this write was stored")
			}
			full++
		default:
			t.Fatal(r.err)
		}
	}
	t.Logf("%d of 400 writes refused with ErrQueueFull", full)
}

func TestOpen_ReadOnlyFileSystem(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux to mount a read-only tmpfs (TestOpen_ReadOnlyDir covers other users)")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	_, err := persist.Open(dir, persist.Options{})
	wantErr(t, err, persist.ErrReadOnly, "not writable", dir, "read-only file system")
}
