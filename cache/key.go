package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
)

// KeyLen is the length of every key.
const KeyLen = 40

// Key hashes the parts that change the credentials into a fixed-length key.
// Each part is length-prefixed, so ("ab","c") and ("a","bc") differ. The
// parts may hold identifiers such as an external id; only the hash is kept.
func Key(parts ...string) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))[:KeyLen]
}

// validKey guards file names and keyring descriptions.
func validKey(k string) bool {
	if len(k) != KeyLen {
		return false
	}
	for _, c := range k {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
