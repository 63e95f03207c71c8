// Runs DynamoDB Local with its HTTP connector bound to 127.0.0.1 instead of every interface (it has no option for that).
//
// DynamoDB Local builds a Jetty server on a port alone (`new Server(port)`, which listens on 0.0.0.0), so anyone on the
// same network could read and write the dev data. This launcher (run by src/local/dynamodb-local.ts as a single-file
// source program, JEP 330) lets DynamoDB Local parse its usual arguments and build its server, sets the host of that
// server's connectors to 127.0.0.1 before it starts, and exits with an error if anything is not as expected: it never
// falls back to listening everywhere. Skipping ServerRunner.main also skips its telemetry setup, so nothing is sent.
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public class DynamoDBLoopback {
  private static final String HOST = "127.0.0.1";

  public static void main(String[] args) throws Exception {
    Class<?> runner = Class.forName("software.amazon.dynamodb.services.local.main.ServerRunner");
    Object proxy = runner.getMethod("createServerFromCommandLineArgs", String[].class).invoke(null, (Object) args);
    Server server = null;
    for (Field field : proxy.getClass().getDeclaredFields()) {
      if (Server.class.isAssignableFrom(field.getType())) {
        field.setAccessible(true);
        server = (Server) field.get(proxy);
      }
    }
    if (server == null || server.getConnectors().length == 0) fail("found no Jetty server in " + proxy.getClass().getName());
    for (Connector connector : server.getConnectors()) {
      if (!(connector instanceof ServerConnector)) fail("unexpected connector " + connector);
      ((ServerConnector) connector).setHost(HOST);
    }
    proxy.getClass().getMethod("start").invoke(proxy);
    for (Connector connector : server.getConnectors()) {
      ServerConnector c = (ServerConnector) connector;
      if (!HOST.equals(c.getHost()) || c.getLocalPort() <= 0) fail("connector not bound to " + HOST + ": " + c);
      System.out.println("DynamoDB Local listening on " + HOST + ":" + c.getLocalPort() + " only");
    }
  }

  private static void fail(String why) {
    System.err.println("dynamodb-loopback: " + why + "; refusing to listen on every interface");
    System.exit(2);
  }
}
