package cache

import (
	"errors"
	"time"
)

// Store keeps opaque values under keys.
type Store interface {
	// Get returns the value under key, or ErrNotFound.
	Get(key string) ([]byte, error)
	// Set stores value under key; expires lets a store drop it by itself.
	Set(key string, value []byte, expires time.Time) error
	// Delete removes key; a missing key is not an error.
	Delete(key string) error
	// Keys lists the keys held.
	Keys() ([]string, error)
	// Name says which backend this is, for messages and `cache list`.
	Name() string
}

var (
	// ErrNotFound is a miss.
	ErrNotFound = errors.New("cache entry not found")
	// ErrQuota means the store is full (keyctl's per-user quota).
	ErrQuota = errors.New("cache store quota exceeded")
	// ErrLockTimeout means another process held the key's lock too long.
	ErrLockTimeout = errors.New("timed out waiting for another xrole to refresh the credentials")
)

// UnsafeDirError refuses a cache directory that others could write to.
type UnsafeDirError struct {
	Dir    string
	Reason string
}

func (e *UnsafeDirError) Error() string {
	return "refusing cache directory " + e.Dir + ": " + e.Reason
}

// None stores nothing.
type None struct{}

func (None) Get(string) ([]byte, error)          { return nil, ErrNotFound }
func (None) Set(string, []byte, time.Time) error { return nil }
func (None) Delete(string) error                 { return nil }
func (None) Keys() ([]string, error)             { return nil, nil }
func (None) Name() string                        { return "none" }
