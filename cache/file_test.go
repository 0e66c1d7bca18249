//go:build !windows

package cache

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const nobody = 65534

func TestFileEntryChecks(t *testing.T) {
	tests := map[string]func(t *testing.T, path string){
		"foreign owner": func(t *testing.T, path string) {
			if os.Geteuid() != 0 {
				t.Fatal("this test chowns a file: run it as root (CI does)")
			}
			if err := os.Chown(path, nobody, nobody); err != nil {
				t.Fatal(err)
			}
		},
		"readable by others": func(t *testing.T, path string) { os.Chmod(path, 0o644) },
		"symlink": func(t *testing.T, path string) {
			target := path + ".elsewhere"
			os.Rename(path, target)
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		},
		"directory": func(t *testing.T, path string) { os.Remove(path); os.Mkdir(path, 0o700) },
	}
	for name, spoil := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := OpenFile(filepath.Join(t.TempDir(), "xrole"))
			if err != nil {
				t.Fatal(err)
			}
			k := Key(name)
			if err := s.Set(k, []byte("v"), time.Time{}); err != nil {
				t.Fatal(err)
			}
			spoil(t, s.path(k))
			if _, err := s.Get(k); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get of a spoiled entry: %v, want a miss", err)
			}
			if name == "directory" {
				return // nothing can be renamed over a directory; it stays a miss
			}
			if err := s.Set(k, []byte("fresh"), time.Time{}); err != nil {
				t.Fatalf("replace: %v", err)
			}
			if got, err := s.Get(k); err != nil || string(got) != "fresh" {
				t.Fatalf("after replace: %q, %v", got, err)
			}
		})
	}
}

func TestFileWritesAreAtomicAndPrivate(t *testing.T) {
	s, err := OpenFile(filepath.Join(t.TempDir(), "xrole"))
	if err != nil {
		t.Fatal(err)
	}
	k := Key("k")
	if err := s.Set(k, []byte("v"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.path(k))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("entry mode %v, %v; want 0600", fi.Mode(), err)
	}
	di, _ := os.Stat(s.Dir)
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %v, want 0700", di.Mode())
	}
	left, _ := filepath.Glob(filepath.Join(s.Dir, ".tmp-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestUnsafeDirectoryIsRefused(t *testing.T) {
	tests := map[string]func(dir string) error{
		"world-writable": func(dir string) error { return os.Chmod(dir, 0o777) },
		"group-writable": func(dir string) error { return os.Chmod(dir, 0o770) },
		"foreign owner":  func(dir string) error { return os.Chown(dir, nobody, nobody) },
	}
	for name, spoil := range tests {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "xrole")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := spoil(dir); err != nil {
				t.Fatal(err)
			}
			_, err := OpenFile(dir)
			var ue *UnsafeDirError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v, want UnsafeDirError", err)
			}
		})
	}
}
