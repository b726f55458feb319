// Command image packs static ks-apiserver binaries, one per platform, into a
// multi-platform OCI image without Docker or a registry: `make image` writes
// it as one tarball that both `ctr images import` (the OCI layout) and
// `docker load` (manifest.json) accept; `make push` sends it to a registry.
//
// The result depends only on its inputs: file times, the config's creation
// time and the tar headers are fixed (SOURCE_DATE_EPOCH), so the same
// binaries give the same digest.
//
//	image -ref ks-apiserver:v0.1.0 -out _output/image/ks-apiserver.tar \
//	      linux/amd64=_output/image/linux-amd64/ks-apiserver linux/arm64=...
//	image -ref registry.example.com/ks-apiserver:v0.1.0 -push linux/amd64=... linux/arm64=...
package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// binaryPath is where the binary lives in the image, and its entrypoint
// (-path; the real-cluster e2e packs its pause binary the same way).
var binaryPath = "/ks-apiserver"

// nonRoot is the image's user: distroless' "nonroot", the uid the manifests run as.
const nonRoot = "65532:65532"

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "image: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	ref := flag.String("ref", "", "image reference, e.g. ks-apiserver:v0.1.0 or registry.example.com/ks-apiserver:v0.1.0")
	out := flag.String("out", "", "write the image as a tarball (OCI layout plus docker manifest.json) to this file")
	push := flag.Bool("push", false, "push the image index to the registry named by -ref (credentials from ~/.docker/config.json)")
	flag.StringVar(&binaryPath, "path", binaryPath, "the binary's path in the image, its entrypoint")
	revision := flag.String("revision", "", "source revision recorded in the org.opencontainers.image.revision annotation")
	flag.Parse()
	if *ref == "" || (*out == "") == !*push || flag.NArg() == 0 {
		return fmt.Errorf("usage: image -ref REF (-out FILE | -push) [-revision REV] OS/ARCH=BINARY...")
	}
	tag, err := name.NewTag(*ref)
	if err != nil {
		return fmt.Errorf("-ref %q: %w (give a tag, e.g. ks-apiserver:v0.1.0)", *ref, err)
	}
	created, err := sourceDate()
	if err != nil {
		return err
	}
	annotations := map[string]string{"org.opencontainers.image.source": "https://github.com/ks-apiserver/ks-apiserver"}
	if *revision != "" {
		annotations["org.opencontainers.image.revision"] = *revision
	}

	var adds []mutate.IndexAddendum
	for _, arg := range flag.Args() {
		platform, bin, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("%q: want OS/ARCH=BINARY", arg)
		}
		p, err := v1.ParsePlatform(platform)
		if err != nil {
			return err
		}
		img, err := platformImage(bin, *p, created, annotations)
		if err != nil {
			return fmt.Errorf("%s: %w", platform, err)
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: p}})
	}
	index := mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
	index = mutate.Annotations(index, annotations).(v1.ImageIndex)
	digest, err := index.Digest()
	if err != nil {
		return err
	}
	if *push {
		if err := remote.WriteIndex(tag, index, remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
			return err
		}
		fmt.Printf("pushed %s@%s\n", tag.Name(), digest)
		return nil
	}
	if err := writeTarball(*out, tag, index, created); err != nil {
		return err
	}
	fmt.Printf("%s %s@%s\n", *out, tag.Name(), digest)
	return nil
}

// sourceDate is SOURCE_DATE_EPOCH (the commit time, from the Makefile), or
// the Unix epoch: never the clock, which would change the digest.
func sourceDate() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	secs, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: %w", s, err)
	}
	return time.Unix(secs, 0).UTC(), nil
}

// platformImage is one layer holding only the static binary: it needs no
// libc, shell, CA bundle (it talks only to kube-apiserver, verified with the
// service account's CA) or passwd entry (the user is numeric).
func platformImage(bin string, p v1.Platform, created time.Time, annotations map[string]string) (v1.Image, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{
		Name: strings.TrimPrefix(binaryPath, "/"), Typeflag: tar.TypeReg, Mode: 0o555, Size: int64(len(data)),
		ModTime: created, Format: tar.FormatPAX,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layerBytes := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerBytes)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(mutate.ConfigMediaType(empty.Image, types.OCIConfigJSON), types.OCIManifestSchema1), layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = v1.Time{Time: created}
	cf.Config = v1.Config{Entrypoint: []string{binaryPath}, User: nonRoot, WorkingDir: "/", Labels: annotations}
	cf.History = []v1.History{{Created: v1.Time{Time: created}, CreatedBy: "hack/image: " + binaryPath, Comment: "static binary"}}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, err
	}
	return mutate.Annotations(img, annotations).(v1.Image), nil
}

// normalized is the reference as containerd and the kubelet spell it:
// ks-apiserver:v0.1.0 is docker.io/library/ks-apiserver:v0.1.0.
func normalized(tag name.Tag) string {
	registry := tag.RegistryStr()
	if registry == name.DefaultRegistry {
		registry = "docker.io"
	}
	return registry + "/" + tag.RepositoryStr() + ":" + tag.TagStr()
}

// writeTarball writes the index as an OCI image layout (oci-layout,
// index.json, blobs/sha256/...) and, for `docker load`, a manifest.json that
// names the first platform's config and layers among the same blobs. Entries
// are sorted and their times fixed, so the file itself is reproducible.
func writeTarball(path string, tag name.Tag, index v1.ImageIndex, created time.Time) error {
	blobs := map[string][]byte{}
	indexRaw, err := index.RawManifest()
	if err != nil {
		return err
	}
	indexDigest, err := index.Digest()
	if err != nil {
		return err
	}
	blobs[indexDigest.Hex] = indexRaw
	im, err := index.IndexManifest()
	if err != nil {
		return err
	}
	type dockerManifest struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	var docker []dockerManifest
	for _, desc := range im.Manifests {
		img, err := index.Image(desc.Digest)
		if err != nil {
			return err
		}
		raw, err := img.RawManifest()
		if err != nil {
			return err
		}
		blobs[desc.Digest.Hex] = raw
		cfgName, err := img.ConfigName()
		if err != nil {
			return err
		}
		cfgRaw, err := img.RawConfigFile()
		if err != nil {
			return err
		}
		blobs[cfgName.Hex] = cfgRaw
		dm := dockerManifest{Config: "blobs/sha256/" + cfgName.Hex}
		layers, err := img.Layers()
		if err != nil {
			return err
		}
		for _, l := range layers {
			d, err := l.Digest()
			if err != nil {
				return err
			}
			rc, err := l.Compressed()
			if err != nil {
				return err
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return err
			}
			blobs[d.Hex] = b
			dm.Layers = append(dm.Layers, "blobs/sha256/"+d.Hex)
		}
		// docker load keeps one image per tag: the first platform gets it.
		if len(docker) == 0 {
			dm.RepoTags = []string{tag.String()}
			docker = append(docker, dm)
		}
	}

	layoutIndex := v1.IndexManifest{
		SchemaVersion: 2, MediaType: types.OCIImageIndex,
		Manifests: []v1.Descriptor{{
			MediaType: types.OCIImageIndex, Digest: indexDigest, Size: int64(len(indexRaw)),
			Annotations: map[string]string{
				// containerd names the imported image after this one, in the
				// normalized form the kubelet asks the CRI for...
				"io.containerd.image.name": normalized(tag),
				// ...other OCI tools after the tag.
				"org.opencontainers.image.ref.name": tag.TagStr(),
			},
		}},
	}
	indexJSON, err := json.Marshal(layoutIndex)
	if err != nil {
		return err
	}
	manifestJSON, err := json.Marshal(docker)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"oci-layout":    []byte(`{"imageLayoutVersion":"1.0.0"}`),
		"index.json":    indexJSON,
		"manifest.json": manifestJSON,
	}
	for hex, b := range blobs {
		files["blobs/sha256/"+hex] = b
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)

	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	tw := tar.NewWriter(f)
	for _, dir := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Name: dir, Typeflag: tar.TypeDir, Mode: 0o755, ModTime: created, Format: tar.FormatPAX}); err != nil {
			f.Close()
			return err
		}
	}
	for _, n := range names {
		b := files[n]
		if err := tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b)), ModTime: created, Format: tar.FormatPAX}); err != nil {
			f.Close()
			return err
		}
		if _, err := tw.Write(b); err != nil {
			f.Close()
			return err
		}
	}
	if err := tw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
