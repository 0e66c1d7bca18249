package awsconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// KV is one key and its value, in the order they are written.
type KV struct{ Key, Value string }

// Edit is a pending change of one profile in a config file.
type Edit struct {
	Path    string // the file written (a symlink's target)
	Data    []byte // the whole new file
	Changed []string
	mode    fs.FileMode
}

// EditProfile prepares writing keys into the [profile NAME] section of the
// config file at path ([default] for "default"), creating the section or
// the file as needed. Every other byte of the file stays as it was:
// comments, blank lines, order, other profiles, and the keys of the section
// it does not set. A key already holding the value is left untouched, so
// Changed is empty when the file already says all of it.
//
// gopkg.in/ini.v1 (used to read) rewrites a whole file when it saves, which
// loses spacing and comments, so the edit is done on lines here.
func EditProfile(path, name string, keys []KV) (*Edit, error) {
	if err := checkEdit(name, keys); err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real // a symlinked config file (dotfiles) stays a symlink
	}
	e := &Edit{Path: path, mode: 0o600}
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if fi, err := os.Stat(path); err == nil {
			e.mode = fi.Mode().Perm()
		}
		if _, err := Parse(path, old); err != nil {
			return nil, err // never edit what cannot be read back
		}
	}
	e.Data, e.Changed = editProfile(old, name, keys)
	return e, nil
}

// Write replaces the file through a temporary file and a rename, so that a
// reader never sees half of it. With nothing changed it does nothing.
func (e *Edit) Write() error {
	if len(e.Changed) == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(e.Path), 0o700); err != nil {
		return err
	}
	return writeAtomic(e.Path, e.Data, e.mode)
}

// SetProfile is EditProfile then Write.
func SetProfile(path, name string, keys []KV) ([]string, error) {
	e, err := EditProfile(path, name, keys)
	if err != nil {
		return nil, err
	}
	return e.Changed, e.Write()
}

func checkEdit(name string, keys []KV) error {
	if name == "" || strings.ContainsAny(name, "[]\r\n#;") || strings.TrimSpace(name) != name {
		return fmt.Errorf("profile name %q: use letters, digits and -_.@+ only", name)
	}
	for _, kv := range keys {
		if strings.ContainsAny(kv.Value, "\r\n") || strings.TrimSpace(kv.Value) != kv.Value {
			return fmt.Errorf("value of %s must be one line without surrounding spaces", kv.Key)
		}
	}
	return nil
}

var (
	headerRe = regexp.MustCompile(`^\s*\[\s*([^\]]*?)\s*\]\s*([#;].*)?$`)
	keyRe    = regexp.MustCompile(`^([A-Za-z0-9_.-]+)\s*=`)
)

// editProfile returns data with keys set in profile name's section.
func editProfile(data []byte, name string, keys []KV) ([]byte, []string) {
	eol := "\n"
	if bytes.Contains(data, []byte("\r\n")) {
		eol = "\r\n"
	}
	lines := splitLines(string(data))
	start, end := findSection(lines, name)
	var changed []string
	if start < 0 {
		var b strings.Builder
		b.WriteString(string(data))
		if len(data) > 0 && !strings.HasSuffix(string(data), "\n") {
			b.WriteString(eol)
		}
		if len(data) > 0 && strings.TrimSpace(lines[len(lines)-1]) != "" {
			b.WriteString(eol)
		}
		b.WriteString(sectionHeader(name) + eol)
		for _, kv := range keys {
			b.WriteString(kv.Key + " = " + kv.Value + eol)
			changed = append(changed, kv.Key)
		}
		return []byte(b.String()), changed
	}
	for _, kv := range keys {
		found := false
		for i := start + 1; i < end; i++ {
			m := keyRe.FindStringSubmatch(lines[i])
			if m == nil || !strings.EqualFold(m[1], kv.Key) {
				continue
			}
			found = true
			_, val, _ := strings.Cut(lines[i], "=")
			if strings.TrimSpace(val) != kv.Value {
				lines[i] = kv.Key + " = " + kv.Value + lineEnd(lines[i], eol)
				changed = append(changed, kv.Key)
			}
			break
		}
		if found {
			continue
		}
		at := lastKeyLine(lines, start, end) + 1
		if at > 0 && !strings.HasSuffix(lines[at-1], "\n") {
			lines[at-1] += eol // the file ended without a newline
		}
		lines = append(lines[:at], append([]string{kv.Key + " = " + kv.Value + eol}, lines[at:]...)...)
		end++
		changed = append(changed, kv.Key)
	}
	return []byte(strings.Join(lines, "")), changed
}

func sectionHeader(name string) string {
	if name == "default" {
		return "[default]"
	}
	return "[profile " + name + "]"
}

// splitLines splits after each "\n", keeping the line ends.
func splitLines(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

func lineEnd(line, eol string) string {
	switch {
	case strings.HasSuffix(line, "\r\n"):
		return "\r\n"
	case strings.HasSuffix(line, "\n"):
		return "\n"
	}
	return "" // the last line of a file without a final newline
}

// findSection returns the header line of profile name and the index of the
// line after its section, or -1.
func findSection(lines []string, name string) (start, end int) {
	start = -1
	for i, l := range lines {
		m := headerRe.FindStringSubmatch(strings.TrimRight(l, "\r\n"))
		if m == nil {
			continue
		}
		if start >= 0 {
			return start, i
		}
		sec := strings.Join(strings.Fields(m[1]), " ")
		if sec == "profile "+name || (name == "default" && sec == "default") {
			start = i
		}
	}
	return start, len(lines)
}

// lastKeyLine is the last key line of a section, or of the values
// indented under one; the header when the section has none. Comments and
// blank lines after it stay where they are, since they usually introduce
// the next section.
func lastKeyLine(lines []string, start, end int) int {
	last := start
	for i := start + 1; i < end; i++ {
		t := strings.TrimSpace(lines[i])
		if t == "" || t[0] == '#' || t[0] == ';' {
			continue
		}
		last = i
	}
	return last
}

func writeAtomic(path string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".xrole-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
