package cache

import "github.com/xrole/xrole/internal/keyring"

// keyctlPerm lets the user (and possessor) do everything with an entry and
// nobody else anything, so that any process of the user can read it without
// possessing it.
var keyctlPerm = keyring.GetPermissions(keyring.KEYCTL_PERM_ALL, keyring.KEYCTL_PERM_ALL, 0, 0)
