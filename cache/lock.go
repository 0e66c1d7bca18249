package cache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// Locker hands out one lock per key across processes: an flock on
// Dir/KEY.lock. The kernel releases an flock when its holder exits, even by
// SIGKILL, so a dead holder never leaves a key stuck.
type Locker struct {
	Dir  string
	Wait time.Duration // how long a waiter waits before ErrLockTimeout
	Poll time.Duration // how often it tries (default 20 ms)
}

// Lock takes the key's lock, waiting at most l.Wait. unlock releases it.
func (l *Locker) Lock(ctx context.Context, key string) (unlock func(), err error) {
	if !validKey(key) {
		return nil, fmt.Errorf("invalid cache key %q", key)
	}
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(l.Dir, key+".lock")
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	poll := l.Poll
	if poll <= 0 {
		poll = 20 * time.Millisecond
	}
	wctx, cancel := context.WithTimeout(ctx, l.Wait)
	defer cancel()
	ok, err := fl.TryLockContext(wctx, poll)
	if ok {
		return func() { _ = fl.Unlock() }, nil
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return nil, fmt.Errorf("%w: lock %s held for over %v", ErrLockTimeout, path, l.Wait)
	}
	if err == nil {
		err = ctx.Err()
	}
	return nil, fmt.Errorf("lock %s: %w", path, err)
}

// RemoveLocks deletes the lock files in dir. A process that holds one
// keeps its lock on the unlinked file; at worst the next refresh of that
// key runs beside it.
func RemoveLocks(dir string) error {
	locks, err := filepath.Glob(filepath.Join(dir, "*.lock"))
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range locks {
		if k := strings.TrimSuffix(filepath.Base(l), ".lock"); validKey(k) {
			if err := os.Remove(l); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
