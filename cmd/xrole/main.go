// Command xrole turns the credentials a machine already has into
// credentials for roles in other accounts. See the README.
package main

import (
	"os"
	"time"

	"github.com/xrole/xrole/internal/cli"
)

func main() {
	os.Exit(cli.Main(cli.Env{
		Args:   os.Args,
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: os.Getenv,
		Now:    time.Now,
	}))
}
