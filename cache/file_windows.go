//go:build windows

package cache

import (
	"io/fs"
	"os"
)

// On Windows the user's cache directory (%LocalAppData%) is private by its
// ACL; there is no uid to compare.
func openNoFollow(path string) (*os.File, error) { return os.Open(path) }

func isLoop(error) bool { return false }

func owner(fs.FileInfo) (int, bool) { return 0, false }
