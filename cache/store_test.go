package cache

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// contract is what every store must do.
func contract(t *testing.T, s Store) {
	t.Helper()
	k1, k2 := Key(t.Name(), "1", fmt.Sprint(time.Now().UnixNano())), Key(t.Name(), "2", fmt.Sprint(time.Now().UnixNano()))
	t.Cleanup(func() { s.Delete(k1); s.Delete(k2) })
	exp := time.Now().Add(time.Hour)
	if _, err := s.Get(k1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing key: %v, want ErrNotFound", err)
	}
	big := []byte(`{"token":"` + strings.Repeat("Tk9+/=", 300) + `"}`) // the size of a real session token
	if err := s.Set(k1, big, exp); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if got, err := s.Get(k1); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("Get after Set: %d bytes, %v", len(got), err)
	}
	if err := s.Set(k1, []byte("v2"), exp); err != nil {
		t.Fatalf("overwrite: %v", err)
	}
	if got, err := s.Get(k1); err != nil || string(got) != "v2" {
		t.Fatalf("Get after overwrite: %q, %v", got, err)
	}
	if err := s.Set(k2, []byte("other"), exp); err != nil {
		t.Fatal(err)
	}
	keys, err := s.Keys()
	if err != nil || !slices.Contains(keys, k1) || !slices.Contains(keys, k2) {
		t.Fatalf("Keys = %v, %v; want both keys", keys, err)
	}
	if err := s.Delete(k1); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(k1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if err := s.Delete(k1); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	if got, err := s.Get(k2); err != nil || string(got) != "other" {
		t.Fatalf("the other key: %q, %v", got, err)
	}
	if s.Name() == "" {
		t.Error("no name")
	}
}

func TestStoreContract(t *testing.T) {
	stores := map[string]func(t *testing.T) Store{
		"file": func(t *testing.T) Store {
			s, err := OpenFile(t.TempDir() + "/xrole")
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"keyring:keyctl": func(t *testing.T) Store {
			s, err := OpenKeyring("keyctl", KeyringOptions{})
			if err != nil {
				t.Fatalf("keyctl must work on this machine (CI runs where the kernel allows it): %v", err)
			}
			return s
		},
		"keyring:file": func(t *testing.T) Store {
			s, err := OpenKeyring("file", KeyringOptions{Dir: t.TempDir(), Password: "correct horse"})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"auto": func(t *testing.T) Store {
			dir := t.TempDir() + "/xrole"
			s, err := Open("auto", Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"array":        func(t *testing.T) Store { return NewArray() },
		"keyring:pass": openPass,
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) { contract(t, open(t)) })
	}
}

// openPass sets up a throwaway GnuPG home and password store (scripts/deps
// installs Debian's pass package) and opens the pass backend on them.
func openPass(t *testing.T) Store {
	for _, tool := range []string{"pass", "gpg", "gpgconf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed; scripts/deps installs Debian's pass package: %v", tool, err)
		}
	}
	dir, err := os.MkdirTemp("", "xrole-pass-") // short: gpg-agent's socket lives here
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GNUPGHOME", filepath.Join(dir, "gnupg"))
	t.Setenv("PASSWORD_STORE_DIR", filepath.Join(dir, "store"))
	t.Cleanup(func() {
		exec.Command("gpgconf", "--kill", "gpg-agent").Run()
		os.RemoveAll(dir)
	})
	if err := os.Mkdir(filepath.Join(dir, "gnupg"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"gpg", "--batch", "--passphrase", "", "--quick-gen-key", "xrole test <test@xrole.invalid>", "default", "default", "never"},
		{"pass", "init", "test@xrole.invalid"},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	s, err := OpenKeyring("pass", KeyringOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNoneStoresNothing(t *testing.T) {
	var s Store = None{}
	k := Key("x")
	if err := s.Set(k, []byte("v"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(k); !errors.Is(err, ErrNotFound) {
		t.Fatalf("none returned something: %v", err)
	}
	if keys, _ := s.Keys(); len(keys) != 0 {
		t.Fatalf("none lists %v", keys)
	}
}

func TestKeyringFileNeverPrompts(t *testing.T) {
	_, err := OpenKeyring("file", KeyringOptions{Dir: t.TempDir()})
	if !errors.Is(err, ErrNoPassword) {
		t.Fatalf("got %v, want ErrNoPassword", err)
	}
}

func TestParseSpec(t *testing.T) {
	good := map[string]string{"": "auto", "auto": "auto", "file": "file", "none": "none", "keyctl": "keyring:keyctl",
		"keyring:keyctl": "keyring:keyctl", "keyring:file": "keyring:file", "pass": "keyring:pass", "Secret-Service": "keyring:secret-service"}
	for in, want := range good {
		if got, err := ParseSpec(in); err != nil || got != want {
			t.Errorf("ParseSpec(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"redis", "keyring:", "keyring:redis", "keyring:auto"} {
		if _, err := ParseSpec(in); err == nil {
			t.Errorf("ParseSpec(%q) accepted", in)
		}
	}
}

func TestKeyIsFixedLengthAndUnambiguous(t *testing.T) {
	a, b := Key("ab", "c"), Key("a", "bc")
	if a == b {
		t.Error("length prefixes missing")
	}
	if len(a) != KeyLen || len(Key(strings.Repeat("x", 10000))) != KeyLen || !validKey(a) {
		t.Errorf("key %q is not %d hex characters", a, KeyLen)
	}
	if strings.Contains(Key("secret-external-id"), "secret") {
		t.Error("a part shows through the key")
	}
}

// The kernel keeps an expired key in the keyring until its garbage
// collection runs, minutes later; listing must skip it, not fail.
func TestKeyctlListSkipsExpiredKeys(t *testing.T) {
	s, err := OpenKeyring("keyctl", KeyringOptions{})
	if err != nil {
		t.Fatalf("keyctl must work on this machine: %v", err)
	}
	expiring, kept := Key("expiring", t.Name()), Key("kept", t.Name())
	if err := s.Set(expiring, []byte("x"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(kept, []byte("y"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	defer s.Delete(kept)
	time.Sleep(1500 * time.Millisecond)
	keys, err := s.Keys()
	if err != nil {
		t.Fatalf("Keys with an expired key in the keyring: %v", err)
	}
	if !slices.Contains(keys, kept) || slices.Contains(keys, expiring) {
		t.Errorf("keys %v: want %s and not %s", keys, kept, expiring)
	}
}
