//go:build linux
// +build linux

package keyring

import (
	"errors"
	"fmt"
	"os"
)

// ErrNoSessionBus means no D-Bus session bus is known: godbus would then run
// dbus-launch and leave a dbus-daemon behind, which xrole never does.
var ErrNoSessionBus = errors.New("no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is unset and /run/user/UID/bus does not exist; xrole never starts one")

// sessionBusAvailable reports whether a session bus can be reached without
// launching one (xrole addition).
func sessionBusAvailable() error {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return nil
	}
	if _, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err == nil {
		return nil
	}
	return ErrNoSessionBus
}
