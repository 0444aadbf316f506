package io.dataplane.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Who may use the command socket: root, the daemon's own user, and members of the configured
 * group (primary group from SO_PEERCRED, or listed as a member in /etc/group). The file mode
 * (0660, group-owned) already keeps others out; this check holds even if someone loosens the mode.
 */
public final class SocketAccess {
    private final String group;
    private final String self = System.getProperty("user.name");

    public SocketAccess(String group) {
        this.group = group;
    }

    public String group() {
        return group;
    }

    /** Null if the peer may connect, else the message it gets before the connection is closed. */
    public String refusal(String user, String primaryGroup) {
        if (user.equals("root") || user.equals(self) || primaryGroup.equals(group) || listedMember(user)) {
            return null;
        }
        return "permission denied: user '" + user + "' is neither root nor a member of group '" + group
                + "'; ask an administrator to add you to it (usermod -aG " + group + " " + user + ")";
    }

    private boolean listedMember(String user) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/etc/group"));
            for (String l : lines) {
                String[] f = l.split(":", -1);
                if (f.length >= 4 && f[0].equals(group) && Arrays.asList(f[3].split(",")).contains(user)) {
                    return true;
                }
            }
        } catch (IOException e) {
            // unreadable /etc/group: only the SO_PEERCRED primary group counts
        }
        return false;
    }
}
