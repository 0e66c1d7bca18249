//go:build darwin && cgo

package cache

// keychainBuilt: the keychain backend needs cgo.
const keychainBuilt = true
