// Command gendocs writes the shell completions and the man page of xrole,
// generated from its command definitions, for the release archives and
// packages (goreleaser.yaml runs it).
//
// Usage: go run ./internal/cmd/gendocs -out DIR [-version V] [-date 2006-01-02T...]
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/xrole/xrole/internal/cli"
)

func main() {
	out := flag.String("out", "build/docs", "directory to write into")
	version := flag.String("version", "", "version printed in the man page")
	date := flag.String("date", "", "release date (RFC 3339; default today), for the man page")
	flag.Parse()
	if err := run(*out, *version, *date); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(dir, version, date string) error {
	day := time.Now().UTC().Format("2006-01-02")
	if date != "" {
		t, err := time.Parse(time.RFC3339, date)
		if err != nil {
			return fmt.Errorf("-date: %w", err)
		}
		day = t.UTC().Format("2006-01-02")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, shell := range map[string]string{"xrole.bash": "bash", "_xrole": "zsh", "xrole.fish": "fish"} {
		var b bytes.Buffer
		if err := cli.WriteCompletion(&b, shell); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	var man bytes.Buffer
	if err := cli.WriteManPage(&man, version, day); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "xrole.1"), man.Bytes(), 0o644); err != nil {
		return err
	}
	// Packages carry it gzipped, as Debian policy wants; no name or time in
	// the header, so that builds are reproducible.
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := zw.Write(man.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "xrole.1.gz"), gz.Bytes(), 0o644)
}
