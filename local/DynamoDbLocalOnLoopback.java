import java.lang.reflect.Field;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Runs Amazon DynamoDB Local (same arguments) listening on 127.0.0.1 only, behind the local
 * platform's guard. DynamoDB Local has no option to bind one interface: it listens on all of them,
 * so other machines could read and write its tables. This sets the host of its Jetty connector
 * before it starts, and refuses with 403 a Host that is not a loopback name with its port (DNS
 * rebinding) and an Origin other than its own (web pages), as the other local listeners do.
 * It fails to start, rather than start exposed, if DynamoDB Local's internals change.
 * Run in the java launcher's source-file mode (a JDK), with DynamoDB Local's jars on the class path.
 */
public class DynamoDbLocalOnLoopback {
  private static final String LOOPBACK = "127.0.0.1";

  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length != 1) throw new IllegalStateException("expected one connector, found " + connectors.length);
    ServerConnector connector = (ServerConnector) connectors[0];
    connector.setHost(LOOPBACK);
    server.setHandler(new LoopbackGuard(server.getHandler(), connector.getPort()));
    proxy.start();
  }

  static final class LoopbackGuard extends Handler.Wrapper {
    private final Set<String> hosts;

    LoopbackGuard(Handler handler, int port) {
      super(handler);
      this.hosts = Set.of(LOOPBACK + ":" + port, "localhost:" + port, "[::1]:" + port);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      String host = String.valueOf(request.getHeaders().get(HttpHeader.HOST)).toLowerCase();
      String origin = request.getHeaders().get(HttpHeader.ORIGIN);
      String refusal = !hosts.contains(host)
          ? "Host is not this machine's loopback address: DynamoDB Local serves " + String.join(" or ", hosts)
          : origin != null && !origin.equalsIgnoreCase("http://" + host)
              ? "requests from web pages (Origin) are refused: the local platform serves the SDK, the CLI and local tools only"
              : null;
      if (refusal == null) return super.handle(request, response, callback);
      Response.writeError(request, response, callback, 403, refusal);
      return true;
    }
  }
}
