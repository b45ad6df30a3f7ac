package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHelpNeverPrintsToken: -h of every subcommand and verb lists the
// flags without the bearer token taken from the environment.
func TestHelpNeverPrintsToken(t *testing.T) {
	const secret = "s3cret-token-from-env"
	t.Setenv("OMS_TOKEN", secret)
	var checked int
	for _, sc := range subcommands() {
		code, _, errOut := runOMS(t, sc.name, "-h")
		require.Equal(t, 0, code, "%s -h: %s", sc.name, errOut)
		require.NotContains(t, errOut, secret, "%s -h", sc.name)
		checked++
		_, verbs, ok := strings.Cut(errOut, "verbs:\n")
		if !ok {
			continue
		}
		verbs, _, _ = strings.Cut(verbs, "\n\n")
		for _, line := range strings.Split(verbs, "\n") {
			verb := strings.Fields(line)[0]
			code, _, errOut := runOMS(t, sc.name, verb, "-h")
			require.Equal(t, 0, code, "%s %s -h: %s", sc.name, verb, errOut)
			require.Contains(t, errOut, "-token", "%s %s -h", sc.name, verb)
			require.NotContains(t, errOut, secret, "%s %s -h", sc.name, verb)
			checked++
		}
	}
	require.Greater(t, checked, 20)
}

// TestBearer: --token, then OMS_TOKEN, then --token-file; a missing file
// says what to do.
func TestBearer(t *testing.T) {
	env := map[string]string{}
	cf := clientFlags{getenv: func(k string) string { return env[k] }, tokenFile: filepath.Join("data", "admin.token")}
	cf.token = "flag"
	env["OMS_TOKEN"] = "env"
	tok, err := cf.bearer()
	require.NoError(t, err)
	require.Equal(t, "flag", tok)
	cf.token = ""
	tok, err = cf.bearer()
	require.NoError(t, err)
	require.Equal(t, "env", tok)

	delete(env, "OMS_TOKEN")
	t.Chdir(t.TempDir())
	_, err = cf.bearer()
	require.ErrorContains(t, err, "--token-file data/admin.token (")
	require.ErrorContains(t, err, "does not exist; set --token or OMS_TOKEN, or --token-file <data_dir>/admin.token (oms serve writes it")

	require.NoError(t, os.Mkdir("data", 0o700))
	require.NoError(t, os.WriteFile(filepath.Join("data", "admin.token"), []byte("\n"), 0o600))
	_, err = cf.bearer()
	require.ErrorContains(t, err, "is empty")
	require.NoError(t, os.WriteFile(filepath.Join("data", "admin.token"), []byte("file-token\n"), 0o600))
	tok, err = cf.bearer()
	require.NoError(t, err)
	require.Equal(t, "file-token", tok)
}

// TestTokenFromEnv: a client subcommand without --token uses OMS_TOKEN.
func TestTokenFromEnv(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Demo = true
	s := startTest(t, cfg)
	t.Setenv("OMS_TOKEN", demoAdminToken)
	var out, errOut bytes.Buffer
	require.NoError(t, runStatus(context.Background(), []string{"--addr", s.GRPCAddr()}, &out, &errOut), errOut.String())
	require.Contains(t, out.String(), "digest")
}
