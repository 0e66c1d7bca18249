//go:build !linux

package cache

var keyctlPerm uint32
