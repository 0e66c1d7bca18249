package cli

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// permute moves a command's flags in front of its positional arguments, so
// that "xrole env prod --format fish" parses as users mean it: urfave/cli v2
// stops at the first positional argument. Everything after "--" is left in
// place, as the command to run.
func permute(args []string, flags []cli.Flag) []string {
	return permuteUpTo(args, flags, -1)
}

// permuteUpTo is permute that stops at positional argument number
// maxPos+1 (the command of `xrole exec PROFILE CMD -x`): it and everything
// after it stay as they are. maxPos < 0 means no limit.
func permuteUpTo(args []string, flags []cli.Flag, maxPos int) []string {
	takesValue := map[string]bool{}
	for _, f := range flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var opts, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(append(opts, pos...), args[i:]...)
		case len(a) > 1 && a[0] == '-':
			name := strings.TrimLeft(a, "-")
			needsValue := !strings.Contains(name, "=") && takesValue[name]
			if needsValue && i+1 == len(args) {
				// The value is missing. Left last after the other flags (and
				// without the positional arguments, before which the parser
				// would stop), so that the parser reports it rather than
				// taking the profile name as the value.
				return append(opts, a)
			}
			opts = append(opts, a)
			if needsValue {
				i++
				opts = append(opts, args[i])
			}
		default:
			if maxPos >= 0 && len(pos) == maxPos {
				return append(append(opts, pos...), args[i:]...)
			}
			pos = append(pos, a)
		}
	}
	return append(opts, pos...)
}
