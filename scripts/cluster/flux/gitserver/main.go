// Command gitserver serves a directory of bare Git repositories over SSH on a loopback address, for the Flux
// reconcile test (tests/cluster/flux-reconcile.test.ts). It is built by scripts/cluster/build-flux.sh.
//
// It wraps github.com/fluxcd/gitkit, the server under Flux's own github.com/fluxcd/pkg/gittestserver. That package
// always listens on a random port; the cluster tests keep to a fixed port range, so the listener is set up here.
//
// Authentication is real: only the public keys in -authorized-keys may connect (source-controller uses the stack's
// deploy key), and the server presents the private host key in -host-key, whose public half the test pins through
// the stack's sshKnownHosts. The file is read again for every connection, as a Git host's deploy keys take effect
// at once: the key rotation test (tests/cluster/rotate-key-flux.test.ts) adds the new key beside the old one, then
// revokes the old one, while the server runs. git-upload-pack/git-receive-pack run from PATH.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/fluxcd/gitkit"
	"golang.org/x/crypto/ssh"
)

func main() {
	root := flag.String("root", "", "directory holding the bare repositories (<name>.git)")
	addr := flag.String("ssh-addr", "127.0.0.1:0", "loopback address to listen on for SSH")
	hostKey := flag.String("host-key", "", "private SSH host key file (OpenSSH format)")
	authorizedKeys := flag.String("authorized-keys", "", "authorized_keys file: the public keys allowed to connect")
	flag.Parse()
	if *root == "" || *hostKey == "" || *authorizedKeys == "" {
		log.Fatal("gitserver: -root, -host-key and -authorized-keys are required")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf("gitserver: -ssh-addr %q must be a loopback host:port", *addr)
	}

	if _, err := readAuthorizedKeys(*authorizedKeys); err != nil {
		log.Fatalf("gitserver: %v", err)
	}

	// gitkit reads its host key from <KeyDir>/gitkit.rsa (any key type ssh.ParsePrivateKey accepts) and would
	// generate an RSA key there if none existed; give it a private directory holding the given key.
	keyDir, err := os.MkdirTemp("", "gitserver-hostkey-")
	if err != nil {
		log.Fatalf("gitserver: %v", err)
	}
	defer os.RemoveAll(keyDir)
	key, err := os.ReadFile(*hostKey)
	if err != nil {
		log.Fatalf("gitserver: host key: %v", err)
	}
	if _, err := ssh.ParsePrivateKey(key); err != nil {
		log.Fatalf("gitserver: host key %s: %v", *hostKey, err)
	}
	if err := os.WriteFile(filepath.Join(keyDir, "gitkit.rsa"), key, 0o600); err != nil {
		log.Fatalf("gitserver: %v", err)
	}

	server := gitkit.NewSSH(gitkit.Config{Dir: *root, KeyDir: keyDir, Auth: true, GitUser: "git"})
	server.PublicKeyLookupFunc = func(content string) (*gitkit.PublicKey, error) {
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(content))
		if err != nil {
			return nil, err
		}
		allowed, err := readAuthorizedKeys(*authorizedKeys)
		if err != nil {
			log.Printf("gitserver: rejected key %s: %v", ssh.FingerprintSHA256(pub), err)
			return nil, err
		}
		for _, k := range allowed {
			if bytes.Equal(k.Marshal(), pub.Marshal()) {
				log.Printf("gitserver: accepted key %s", ssh.FingerprintSHA256(pub))
				return &gitkit.PublicKey{Id: ssh.FingerprintSHA256(pub)}, nil
			}
		}
		log.Printf("gitserver: rejected key %s", ssh.FingerprintSHA256(pub))
		return nil, fmt.Errorf("key %s is not authorized", ssh.FingerprintSHA256(pub))
	}
	if err := server.Listen(*addr); err != nil {
		log.Fatalf("gitserver: listen %s: %v", *addr, err)
	}
	// The test waits for this line before it points Flux at the server.
	fmt.Printf("gitserver: serving %s over ssh://git@%s\n", *root, server.Address())

	go func() {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
		<-signals
		_ = server.Stop()
	}()
	if err := server.Serve(); err != nil && !strings.Contains(err.Error(), "use of closed network connection") {
		log.Fatalf("gitserver: %v", err)
	}
}

func readAuthorizedKeys(path string) ([]ssh.PublicKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var keys []ssh.PublicKey
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		keys = append(keys, k)
	}
	if err := scanner.Err(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no public keys", path)
	}
	return keys, nil
}
