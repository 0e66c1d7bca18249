package cache

import (
	"fmt"
	"runtime"
	"strings"
)

// Options configure Open.
type Options struct {
	Dir      string       // the file store's directory (and the locks')
	Password string       // keyring:file's passphrase
	Warn     func(string) // one-line warnings (auto's fallback)
	Debugf   func(format string, args ...any)
}

// ParseSpec checks a backend name: auto, file, none, keyring:NAME, or a
// keyring backend's bare name (keyctl, pass, ...; keyring's own "file"
// only as keyring:file).
func ParseSpec(spec string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(spec))
	switch s {
	case "", "auto":
		return "auto", nil
	case "file", "none":
		return s, nil
	}
	name := strings.TrimPrefix(s, "keyring:")
	for _, b := range KeyringBackends {
		if name == b && (b != "file" || strings.HasPrefix(s, "keyring:")) {
			return "keyring:" + b, nil
		}
	}
	return "", fmt.Errorf("cache backend %q: want auto, file, none, or keyring:NAME with NAME one of %s", spec, strings.Join(KeyringBackends, ", "))
}

// Open returns the store for a parsed spec.
func Open(spec string, o Options) (Store, error) {
	switch {
	case spec == "none":
		return None{}, nil
	case spec == "file":
		return OpenFile(o.Dir)
	case strings.HasPrefix(spec, "keyring:"):
		return OpenKeyring(strings.TrimPrefix(spec, "keyring:"), KeyringOptions{Dir: o.Dir, Password: o.Password})
	}
	file, err := OpenFile(o.Dir)
	if err != nil {
		return nil, err
	}
	var primary Store
	if b := platformKeyring(); b != "" {
		k, err := OpenKeyring(b, KeyringOptions{Dir: o.Dir})
		if err == nil {
			primary = k
		} else if o.Debugf != nil {
			o.Debugf("cache auto: %s unavailable (%v); using files", b, err)
		}
	}
	return NewAuto(primary, file, o.Warn), nil
}

// platformKeyring is auto's first choice: keyctl on Linux (where the
// kernel and seccomp allow it), the keychain on macOS (cgo builds only),
// the credential manager on Windows.
func platformKeyring() string {
	switch runtime.GOOS {
	case "linux":
		return "keyctl"
	case "darwin":
		if keychainBuilt {
			return "keychain"
		}
	case "windows":
		return "wincred"
	}
	return ""
}
