package io.dataplane.control.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The project version for {@code --version}: Maven writes it into {@code version.properties}
 * when it copies the resources, so classes and jar report the same version as the pom.
 */
final class Version {
    private Version() {
    }

    /** E.g. "0.1.0-SNAPSHOT". */
    static String number() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("version.properties is missing from the build");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
