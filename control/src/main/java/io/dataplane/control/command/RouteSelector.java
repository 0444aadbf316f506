package io.dataplane.control.command;

/**
 * Which routes {@code route show} and {@code route flush} act on, as {@code ip route} selects
 * them: {@code root P} (routes inside P), {@code match P} (routes that cover P),
 * {@code exact P} or a bare P (that prefix only), and {@code dev}, {@code via}, {@code proto},
 * {@code type}, {@code metric}, {@code scope}, {@code table main}. Null fields select everything; {@code family} is 0, 4 or 6.
 */
public record RouteSelector(Prefix root, Prefix match, Prefix exact, String dev, IpAddress via, String protocol,
                            String type, int family, Long metric, Integer scope) {

    /** Every route. */
    public static final RouteSelector ALL = new RouteSelector(null, null, null, null, null, null, null, 0, null, null);

    /** Whether a route to {@code p} passes the prefix and family parts of the selector. */
    public boolean selectsPrefix(Prefix p) {
        if (family != 0 && p.v6() != (family == 6)) {
            return false;
        }
        if (exact != null && !exact.equals(p)) {
            return false;
        }
        if (root != null && !(root.v6() == p.v6() && p.length() >= root.length() && root.contains(p.address()))) {
            return false;
        }
        return match == null || match.v6() == p.v6() && p.length() <= match.length() && p.contains(match.address());
    }

    /** The same selector restricted to {@code f} (4 or 6) unless a family is already set. */
    public RouteSelector inFamily(int f) {
        return family != 0 || f == 0 ? this : new RouteSelector(root, match, exact, dev, via, protocol, type, f, metric, scope);
    }
}
