package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// Stamped by the release build with -ldflags "-X ...".
var (
	version = ""
	commit  = ""
	date    = ""
)

func buildInfo() (v, c, d string) {
	v, c, d = version, commit, date
	if v != "" {
		return
	}
	v, c, d = "(devel)", "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				c = s.Value
			case "vcs.time":
				d = s.Value
			}
		}
	}
	return
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print version, commit, build date and Go version",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("version takes no arguments")
			}
			return printVersion(c.App.Writer)
		},
	}
}

func printVersion(w io.Writer) error {
	v, cm, d := buildInfo()
	_, err := fmt.Fprintf(w, "xrole %s\ncommit %s\nbuilt %s\n%s %s/%s\n", v, cm, d, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}
