package main

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TestTarball builds the tool, packs two fake binaries twice, and reads the
// tarball back both ways a node does: as an OCI layout (ctr images import)
// and through manifest.json (docker load). Same inputs, same bytes.
func TestTarball(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "image")
	if out, err := exec.Command("go", "build", "-o", tool, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		if err := os.WriteFile(filepath.Join(dir, arch), []byte("binary for "+arch), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pack := func(out string) string {
		cmd := exec.Command(tool, "-ref", "ks-apiserver:v0.1.0", "-revision", "abc", "-out", out,
			"linux/amd64="+filepath.Join(dir, "amd64"), "linux/arm64="+filepath.Join(dir, "arm64"))
		cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		return strings.TrimSpace(string(b))
	}
	first, second := filepath.Join(dir, "a.tar"), filepath.Join(dir, "b.tar")
	printed := pack(first)
	pack(second)
	a, _ := os.ReadFile(first)
	b, _ := os.ReadFile(second)
	if !bytes.Equal(a, b) {
		t.Fatal("two builds of the same binaries differ")
	}

	// OCI layout: the index, with both platforms, under containerd's name.
	layoutDir := filepath.Join(dir, "layout")
	untar(t, first, layoutDir)
	p, err := layout.FromPath(layoutDir)
	if err != nil {
		t.Fatal(err)
	}
	outer, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	om, err := outer.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(om.Manifests) != 1 || om.Manifests[0].Annotations["io.containerd.image.name"] != "docker.io/library/ks-apiserver:v0.1.0" {
		t.Fatalf("index.json: %+v", om.Manifests)
	}
	if !strings.HasSuffix(printed, "@"+om.Manifests[0].Digest.String()) {
		t.Errorf("printed %q, index digest %s", printed, om.Manifests[0].Digest)
	}
	index, err := outer.ImageIndex(om.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, err := index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	for _, m := range im.Manifests {
		platforms = append(platforms, m.Platform.String())
		img, err := index.Image(m.Digest)
		if err != nil {
			t.Fatal(err)
		}
		checkImage(t, img, "binary for "+m.Platform.Architecture)
	}
	if strings.Join(platforms, " ") != "linux/amd64 linux/arm64" {
		t.Errorf("platforms %v", platforms)
	}

	// docker load's view: manifest.json, the first platform under the tag.
	tag, _ := name.NewTag("ks-apiserver:v0.1.0")
	img, err := tarball.ImageFromPath(first, &tag)
	if err != nil {
		t.Fatal(err)
	}
	checkImage(t, img, "binary for amd64")
}

func checkImage(t *testing.T, img v1.Image, content string) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != "65532:65532" || strings.Join(cf.Config.Entrypoint, " ") != "/ks-apiserver" || cf.Created.Unix() != 1700000000 {
		t.Errorf("config: user %q, entrypoint %v, created %v", cf.Config.User, cf.Config.Entrypoint, cf.Created)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers: %d, %v", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var files []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, h.Name)
		body, _ := io.ReadAll(tr)
		if h.Name == "ks-apiserver" && (string(body) != content || h.Mode != 0o555 || h.Uid != 0) {
			t.Errorf("ks-apiserver: %q mode %o uid %d", body, h.Mode, h.Uid)
		}
	}
	if strings.Join(files, " ") != "ks-apiserver" {
		t.Errorf("the layer holds %v, want only ks-apiserver", files)
	}
}

func untar(t *testing.T, file, dir string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, h.Name)
		if h.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(path, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
