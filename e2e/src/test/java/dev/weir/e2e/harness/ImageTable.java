package dev.weir.e2e.harness;

import java.util.Map;
import java.util.Optional;

/** Image repository (the reference without tag or digest) → the local program that stands in for it. */
public final class ImageTable {
    private final Map<String, LocalImage> images;

    public ImageTable(Map<String, LocalImage> images) {
        this.images = Map.copyOf(images);
    }

    public Optional<LocalImage> find(String image) {
        return Optional.ofNullable(images.get(repository(image)));
    }

    /** {@code registry:5000/weir/runtime:0.1.0@sha256:…} → {@code registry:5000/weir/runtime}. */
    static String repository(String image) {
        String withoutDigest = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
        int lastSlash = withoutDigest.lastIndexOf('/');
        int tagColon = withoutDigest.lastIndexOf(':');
        return tagColon > lastSlash ? withoutDigest.substring(0, tagColon) : withoutDigest;
    }

    @Override
    public String toString() {
        return images.keySet().toString();
    }
}
