package cache

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

type quotaStore struct{ Store }

func (quotaStore) Set(string, []byte, time.Time) error { return ErrQuota }

func TestAutoFallsBackToFilesOnceOnQuota(t *testing.T) {
	file, err := OpenFile(filepath.Join(t.TempDir(), "xrole"))
	if err != nil {
		t.Fatal(err)
	}
	var warns []string
	a := NewAuto(quotaStore{NewArray()}, file, func(s string) { warns = append(warns, s) })
	if a.Name() != "auto (keyring:array)" {
		t.Errorf("name %q", a.Name())
	}
	k1, k2 := Key("1"), Key("2")
	if err := a.Set(k1, []byte("v1"), time.Time{}); err != nil {
		t.Fatalf("Set on a full keyring must fall back: %v", err)
	}
	if err := a.Set(k2, []byte("v2"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 {
		t.Fatalf("warnings %q, want exactly one", warns)
	}
	if got, err := a.Get(k1); err != nil || string(got) != "v1" {
		t.Fatalf("Get after fallback: %q, %v", got, err)
	}
	if a.Name() != "auto (file)" {
		t.Errorf("after fallback, name %q", a.Name())
	}
	// A new process sees the marker and goes to files without warning.
	b := NewAuto(quotaStore{NewArray()}, file, func(s string) { warns = append(warns, s) })
	if got, err := b.Get(k2); err != nil || string(got) != "v2" || len(warns) != 1 {
		t.Fatalf("new process: %q, %v, warnings %d", got, err, len(warns))
	}
	if err := b.Clear(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(k2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after Clear, auto reads the keyring again: %v", err)
	}
}

// An entry stored in the keyring before it filled up is still served.
func TestAutoReadsKeyringEntriesAfterFallback(t *testing.T) {
	file, err := OpenFile(filepath.Join(t.TempDir(), "xrole"))
	if err != nil {
		t.Fatal(err)
	}
	ring := NewArray()
	k := Key("before")
	if err := ring.Set(k, []byte("old"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	a := NewAuto(quotaStore{ring}, file, func(string) {})
	if err := a.Set(Key("after"), []byte("new"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Get(k); err != nil || string(got) != "old" {
		t.Fatalf("keyring entry after fallback: %q, %v", got, err)
	}
	if _, err := a.Get(Key("neither")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("miss: %v", err)
	}
}
