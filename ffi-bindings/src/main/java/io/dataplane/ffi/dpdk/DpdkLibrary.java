package io.dataplane.ffi.dpdk;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Finds and loads the DPDK shim ({@code libdataplane_dpdk_shim.so}), which also links the DPDK
 * libraries, so that one {@link SymbolLookup} resolves both the shim's exports and DPDK's own.
 *
 * <p>Where: the system property {@value #PATH_PROPERTY} when set; otherwise the copy the build put
 * on the class path (extracted to a temporary file when it is inside a jar, because dlopen needs a
 * file). The build leaves it out when DPDK's development files were missing.
 */
public final class DpdkLibrary {
    /** System property naming the shim file explicitly. */
    public static final String PATH_PROPERTY = "dataplane.dpdk.shim";
    static final String FILE_NAME = "libdataplane_dpdk_shim.so";
    private static final String RESOURCE = "native/" + FILE_NAME;
    /** What an operator installs on Debian/Ubuntu to get DPDK ports. */
    public static final String PACKAGES = "dpdk libdpdk-dev pkg-config gcc";

    private static SymbolLookup loaded;

    private DpdkLibrary() {}

    /** The shim's lookup, loading it on first use; throws a {@link DpdkException} saying how to get it. */
    public static synchronized SymbolLookup lookup() {
        if (loaded == null) {
            loaded = load(locate());
        }
        return loaded;
    }

    /** True when the shim can be loaded; for tests and status output, never for control flow in the product. */
    public static boolean isAvailable() {
        try {
            lookup();
            return true;
        } catch (DpdkException e) {
            return false;
        }
    }

    /** Loads the shim at {@code path}; a missing or unloadable file gives an error that says what to install. */
    public static SymbolLookup load(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new DpdkException("DPDK support is not available: the shim " + path + " does not exist. "
                    + "Install DPDK with 'apt-get install " + PACKAGES + "' and rebuild (mvn package), "
                    + "or point -D" + PATH_PROPERTY + " at a built " + FILE_NAME);
        }
        try {
            // Arena.global(): the DPDK libraries stay mapped for the life of the process (EAL cannot unload).
            return SymbolLookup.libraryLookup(path, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new DpdkException("DPDK support is not available: cannot load " + path + " (" + e.getMessage()
                    + "). Its DPDK libraries are probably missing or of another version: install them with "
                    + "'apt-get install " + PACKAGES + "' and rebuild (mvn package) so the shim matches", e);
        }
    }

    /** Where the shim is expected; throws when the build did not produce one. */
    static Path locate() {
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        URL url = DpdkLibrary.class.getResource(RESOURCE);
        if (url == null) {
            throw new DpdkException("DPDK support is not available: this build has no DPDK shim because DPDK's "
                    + "development files were missing when it was built. Install them with 'apt-get install "
                    + PACKAGES + "' and rebuild (mvn package)");
        }
        if ("file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new DpdkException("cannot turn the shim's location " + url + " into a path", e);
            }
        }
        return extract(url);
    }

    private static Path extract(URL url) {
        try (InputStream in = url.openStream()) {
            Path file = Files.createTempFile("dataplane-dpdk-shim", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new DpdkException("cannot extract the DPDK shim from " + url + " to a temporary file ("
                    + e.getMessage() + "); set -D" + PATH_PROPERTY + " to a copy on disk", e);
        }
    }
}
