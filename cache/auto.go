package cache

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// fullMarker in the file store's directory records that keyctl ran out of
// quota: from then on `auto` uses files, and says so only once.
const fullMarker = "keyctl-full"

// Auto is the default backend: a platform keyring where it works, files
// otherwise. keyctl's per-user quota (kernel.keys.maxbytes, 20000 bytes for
// non-root users by default) holds about ten sessions, so a quota error
// moves `auto` to files for good (until `cache clear`), with one warning:
// it must never silently stop caching.
type Auto struct {
	primary Store // nil when the platform keyring is unavailable
	file    *File
	warn    func(string)
}

// NewAuto combines a primary store (may be nil) with the file store.
func NewAuto(primary Store, file *File, warn func(string)) *Auto {
	return &Auto{primary: primary, file: file, warn: warn}
}

func (a *Auto) full() bool {
	_, err := os.Lstat(filepath.Join(a.file.Dir, fullMarker))
	return err == nil
}

// current is the store in use now.
func (a *Auto) current() Store {
	if a.primary == nil || a.full() {
		return a.file
	}
	return a.primary
}

// Name implements Store: "auto (keyring:keyctl)" or "auto (file)".
func (a *Auto) Name() string { return "auto (" + a.current().Name() + ")" }

// Get implements Store. Once the keyring is full, entries stored there
// before stay good until they expire: a miss in files looks there too.
func (a *Auto) Get(key string) ([]byte, error) {
	s := a.current()
	b, err := s.Get(key)
	if errors.Is(err, ErrNotFound) && s == a.file && a.primary != nil {
		return a.primary.Get(key)
	}
	return b, err
}

// Set implements Store.
func (a *Auto) Set(key string, value []byte, expires time.Time) error {
	s := a.current()
	err := s.Set(key, value, expires)
	if s == a.file || !errors.Is(err, ErrQuota) {
		return err
	}
	f, ferr := os.OpenFile(filepath.Join(a.file.Dir, fullMarker), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if ferr == nil {
		f.Close()
		if a.warn != nil {
			a.warn("the " + a.primary.Name() + " quota is full (kernel.keys.maxbytes); caching in files under " + a.file.Dir + " from now on")
		}
	} else if !errors.Is(ferr, fs.ErrExist) {
		return ferr
	}
	_ = a.primary.Delete(key)
	return a.file.Set(key, value, expires)
}

// Delete implements Store: both places.
func (a *Auto) Delete(key string) error {
	var err error
	if a.primary != nil {
		err = a.primary.Delete(key)
	}
	return errors.Join(err, a.file.Delete(key))
}

// Keys implements Store: both places.
func (a *Auto) Keys() ([]string, error) {
	keys, err := a.file.Keys()
	if a.primary == nil || err != nil {
		return keys, err
	}
	more, err := a.primary.Keys()
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k] = true
	}
	for _, k := range more {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	return keys, err
}

// Clear forgets the quota marker, so that `auto` tries the keyring again.
func (a *Auto) Clear() error {
	err := os.Remove(filepath.Join(a.file.Dir, fullMarker))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Parts returns the stores behind s: Auto's keyring and files, or s itself.
func Parts(s Store) []Store {
	a, ok := s.(*Auto)
	if !ok {
		return []Store{s}
	}
	if a.primary == nil {
		return []Store{a.file}
	}
	return []Store{a.primary, a.file}
}
