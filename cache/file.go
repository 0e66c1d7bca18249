package cache

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// maxEntrySize bounds what is read from one entry.
const maxEntrySize = 64 << 10

// File stores each entry as a JSON file, 0600, in a directory of the
// user's that nobody else can write to. Writes go to a temporary file that
// is renamed over the entry, so a reader never sees half an entry.
type File struct {
	Dir string
}

// DefaultDir is $XDG_CACHE_HOME/xrole, else the platform's cache directory
// (~/.cache/xrole on Linux, ~/Library/Caches/xrole on macOS).
func DefaultDir(getenv func(string) string) (string, error) {
	if x := getenv("XDG_CACHE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "xrole"), nil
	}
	if home := getenv("HOME"); home != "" {
		if d, err := os.UserCacheDir(); err == nil && strings.HasPrefix(d, home) {
			return filepath.Join(d, "xrole"), nil
		}
		return filepath.Join(home, ".cache", "xrole"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "xrole"), nil
}

// OpenFile makes sure dir exists, belongs to the user and is writable by
// nobody else, and returns a store in it.
func OpenFile(dir string) (*File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create cache directory: %w", err)
	}
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	return &File{Dir: dir}, nil
}

func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return &UnsafeDirError{Dir: dir, Reason: "not a directory"}
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return &UnsafeDirError{Dir: dir, Reason: fmt.Sprintf("mode %#o lets others write to it", fi.Mode().Perm())}
	}
	if uid, ok := owner(fi); ok && uid != os.Geteuid() {
		return &UnsafeDirError{Dir: dir, Reason: fmt.Sprintf("owned by uid %d, not %d", uid, os.Geteuid())}
	}
	return nil
}

func (f *File) path(key string) string { return filepath.Join(f.Dir, key+".json") }

// Name implements Store.
func (f *File) Name() string { return "file" }

// Get implements Store. A symlink, a file not owned by the user, or one
// that others can read or write is a miss (Set replaces it).
func (f *File) Get(key string) ([]byte, error) {
	if !validKey(key) {
		return nil, ErrNotFound
	}
	fd, err := openNoFollow(f.path(key))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || isLoop(err) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	defer fd.Close()
	fi, err := fd.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o077 != 0 {
		return nil, ErrNotFound
	}
	if uid, ok := owner(fi); ok && uid != os.Geteuid() {
		return nil, ErrNotFound
	}
	return io.ReadAll(io.LimitReader(fd, maxEntrySize))
}

// Set implements Store: temporary file, fsync, rename.
func (f *File) Set(key string, value []byte, _ time.Time) error {
	if !validKey(key) {
		return fmt.Errorf("invalid cache key %q", key)
	}
	tmp, err := os.CreateTemp(f.Dir, ".tmp-"+key+"-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(value); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, f.path(key)); err != nil {
		return err
	}
	ok = true
	return nil
}

// Delete implements Store.
func (f *File) Delete(key string) error {
	if !validKey(key) {
		return nil
	}
	err := os.Remove(f.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Keys implements Store.
func (f *File) Keys() ([]string, error) {
	des, err := os.ReadDir(f.Dir)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, de := range des {
		if k, ok := strings.CutSuffix(de.Name(), ".json"); ok && validKey(k) {
			keys = append(keys, k)
		}
	}
	return keys, nil
}
