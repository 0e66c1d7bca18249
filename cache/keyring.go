package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/xrole/xrole/internal/keyring"
)

// KeyringBackends are the 99designs/keyring backends xrole can use, one
// at a time.
var KeyringBackends = []string{"keyctl", "secret-service", "kwallet", "keychain", "wincred", "pass", "file"}

// ErrNoPassword means keyring:file has no passphrase: xrole never prompts.
var ErrNoPassword = errors.New("keyring:file needs a passphrase in XROLE_KEYRING_PASSWORD; xrole never prompts")

// Keyring stores entries in one keyring backend.
type Keyring struct {
	backend string
	ring    keyring.Keyring
}

// KeyringOptions configure OpenKeyring.
type KeyringOptions struct {
	// Dir holds the keyring:file backend's files (Dir/keyring).
	Dir string
	// Password is keyring:file's passphrase (XROLE_KEYRING_PASSWORD).
	Password string
}

// OpenKeyring opens one named backend. It never prompts: the file
// backend's passphrase comes from the options or the open fails.
func OpenKeyring(backend string, o KeyringOptions) (*Keyring, error) {
	cfg := keyring.Config{
		ServiceName:     "xrole",
		AllowedBackends: []keyring.BackendType{keyring.BackendType(backend)},
		// keyctl: the user keyring, shared by every process of the user;
		// readable by the user even without possession.
		KeyCtlScope: "user",
		KeyCtlPerm:  keyctlPerm,
		FileDir:     filepath.Join(o.Dir, "keyring"),
		// Never a prompt: an empty passphrase is refused below, before Open.
		FilePasswordFunc:         func(string) (string, error) { return o.Password, nil },
		PassPrefix:               "xrole",
		LibSecretCollectionName:  "login",
		KWalletAppID:             "xrole",
		KWalletFolder:            "xrole",
		KeychainName:             "login",
		KeychainTrustApplication: true,
		KeychainSynchronizable:   false,
		WinCredPrefix:            "xrole",
	}
	known := false
	for _, b := range KeyringBackends {
		known = known || b == backend
	}
	if !known {
		return nil, fmt.Errorf("unknown keyring backend %q (want one of %s)", backend, strings.Join(KeyringBackends, ", "))
	}
	if backend == "file" && o.Password == "" {
		return nil, ErrNoPassword // fail at open, before any refresh
	}
	ring, err := keyring.Open(cfg)
	if err != nil {
		return nil, fmt.Errorf("open keyring:%s: %w", backend, err)
	}
	return &Keyring{backend: backend, ring: ring}, nil
}

// Name implements Store.
func (k *Keyring) Name() string { return "keyring:" + k.backend }

// Get implements Store.
func (k *Keyring) Get(key string) ([]byte, error) {
	it, err := k.ring.Get(key)
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return it.Data, nil
}

// Set implements Store. keyctl entries also expire in the kernel.
func (k *Keyring) Set(key string, value []byte, expires time.Time) error {
	err := k.ring.Set(keyring.Item{Key: key, Data: value, Label: "xrole " + key, Description: "xrole cached role credentials"})
	if errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %v", ErrQuota, err)
	}
	if err != nil {
		return err
	}
	if ex, ok := k.ring.(interface{ SetExpiry(string, time.Time) error }); ok && !expires.IsZero() {
		return ex.SetExpiry(key, expires)
	}
	return nil
}

// Delete implements Store.
func (k *Keyring) Delete(key string) error {
	err := k.ring.Remove(key)
	// keyring's file backend reports a missing key as the raw ENOENT.
	if err == nil || errors.Is(err, keyring.ErrKeyNotFound) || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Keys implements Store.
func (k *Keyring) Keys() ([]string, error) {
	keys, err := k.ring.Keys()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, key := range keys {
		if validKey(key) {
			out = append(out, key)
		}
	}
	return out, nil
}

// NewArray is an in-memory keyring store, for tests.
func NewArray() *Keyring {
	return &Keyring{backend: "array", ring: keyring.NewArrayKeyring(nil)}
}
