package awsconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/ini.v1"
)

// Paths returns the config and credentials file paths from the standard
// variables, defaulting to ~/.aws/config and ~/.aws/credentials.
func Paths(getenv func(string) string) (config, credentials string) {
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	config = getenv("AWS_CONFIG_FILE")
	if config == "" {
		config = filepath.Join(home, ".aws", "config")
	}
	credentials = getenv("AWS_SHARED_CREDENTIALS_FILE")
	if credentials == "" {
		credentials = filepath.Join(home, ".aws", "credentials")
	}
	return expandHome(config, home), expandHome(credentials, home)
}

func expandHome(p, home string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[1:])
	}
	return p
}

// File is one parsed config or credentials file.
type File struct {
	Path     string
	Exists   bool
	sections map[string]map[string]string
}

// ParseError is a malformed file.
type ParseError struct {
	Path string
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("parse %s: %v", e.Path, e.Err) }
func (e *ParseError) Unwrap() error { return e.Err }

// Load reads and parses the file at path. A missing file is an empty File.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &File{Path: path, sections: map[string]map[string]string{}}, nil
	}
	if err != nil {
		return nil, err
	}
	f, err := Parse(path, b)
	if err != nil {
		return nil, err
	}
	f.Exists = true
	return f, nil
}

// Parse parses the contents of a config or credentials file.
func Parse(path string, data []byte) (*File, error) {
	cfg, err := ini.LoadSources(ini.LoadOptions{
		InsensitiveKeys:            true,
		IgnoreInlineComment:        true,
		AllowPythonMultilineValues: true,
		SpaceBeforeInlineComment:   true,
		AllowNonUniqueSections:     false,
		SkipUnrecognizableLines:    false,
	}, data)
	if err != nil {
		return nil, &ParseError{Path: path, Err: err}
	}
	f := &File{Path: path, sections: map[string]map[string]string{}}
	for _, s := range cfg.Sections() {
		if s.Name() == ini.DefaultSection {
			if len(s.Keys()) > 0 {
				return nil, &ParseError{Path: path, Err: fmt.Errorf("key %q stands before any [section]", s.Keys()[0].Name())}
			}
			continue
		}
		keys := map[string]string{}
		for _, k := range s.Keys() {
			keys[k.Name()] = strings.TrimSpace(k.Value())
		}
		f.sections[strings.TrimSpace(s.Name())] = keys
	}
	return f, nil
}

// ConfigProfile returns the keys of a profile in a config file, where it is
// [profile NAME] (or [default], or [NAME] as older files have it).
func (f *File) ConfigProfile(name string) (map[string]string, bool) {
	if s, ok := f.sections["profile "+name]; ok {
		return s, true
	}
	if name == "default" {
		s, ok := f.sections["default"]
		return s, ok
	}
	s, ok := f.sections[name]
	if ok && !strings.Contains(name, " ") {
		return s, true
	}
	return nil, false
}

// CredentialsProfile returns the keys of a section in a credentials file,
// where it is [NAME].
func (f *File) CredentialsProfile(name string) (map[string]string, bool) {
	s, ok := f.sections[name]
	return s, ok
}

// ProfileNames lists the profiles of a config file, sorted.
func (f *File) ProfileNames() []string {
	var names []string
	for s := range f.sections {
		switch {
		case strings.HasPrefix(s, "profile "):
			names = append(names, strings.TrimSpace(strings.TrimPrefix(s, "profile ")))
		case s == "default":
			names = append(names, s)
		}
	}
	sort.Strings(names)
	return names
}

// Section returns the keys of a section by its full name, such as
// "services local" or "sso-session corp".
func (f *File) Section(name string) (map[string]string, bool) {
	s, ok := f.sections[name]
	return s, ok
}
