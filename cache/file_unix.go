//go:build !windows

package cache

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// openNoFollow opens a file for reading, refusing a symlink (ELOOP) and
// never blocking on a FIFO planted in its place.
func openNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}

func isLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }

// owner returns a file's owner uid.
func owner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
