package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/xrole/xrole/internal/motoworld"
)

var (
	xroleBin string          // the built binary
	binDir   string          // its directory, put first on PATH
	moto     *motoworld.Moto // one moto_server for the package; worlds keep apart by name
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "xrole-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	binDir = filepath.Join(tmp, "bin")
	xroleBin = filepath.Join(binDir, "xrole")
	build := exec.Command("go", "build", "-tags", "urfave_cli_no_docs", "-o", xroleBin, "github.com/xrole/xrole/cmd/xrole")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build xrole:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	moto, err = motoworld.Start(ctx, filepath.Join(tmp, "moto.log"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer moto.Stop()
	return m.Run()
}
