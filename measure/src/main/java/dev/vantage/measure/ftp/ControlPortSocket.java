package dev.vantage.measure.ftp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;

/**
 * A connected data socket that reports the control connection's port as its peer port. JSSE caches and resumes
 * client TLS sessions by peer host and port, and a layered SSLSocket takes the port from the socket under it; so
 * TLS over this socket offers the control connection's session, which servers that require session reuse on
 * data connections (vsftpd's default) accept. Everything else goes to the real socket.
 */
final class ControlPortSocket extends Socket {
    private final Socket data;
    private final int controlPort;

    ControlPortSocket(Socket data, int controlPort) {
        this.data = data;
        this.controlPort = controlPort;
    }

    @Override public int getPort() { return controlPort; }
    @Override public InputStream getInputStream() throws IOException { return data.getInputStream(); }
    @Override public OutputStream getOutputStream() throws IOException { return data.getOutputStream(); }
    @Override public void close() throws IOException { data.close(); }
    @Override public boolean isClosed() { return data.isClosed(); }
    @Override public boolean isConnected() { return data.isConnected(); }
    @Override public boolean isBound() { return data.isBound(); }
    @Override public InetAddress getInetAddress() { return data.getInetAddress(); }
    @Override public InetAddress getLocalAddress() { return data.getLocalAddress(); }
    @Override public int getLocalPort() { return data.getLocalPort(); }
    @Override public SocketAddress getRemoteSocketAddress() { return data.getRemoteSocketAddress(); }
    @Override public SocketAddress getLocalSocketAddress() { return data.getLocalSocketAddress(); }
    @Override public void setSoTimeout(int timeout) throws SocketException { data.setSoTimeout(timeout); }
    @Override public int getSoTimeout() throws SocketException { return data.getSoTimeout(); }
    @Override public void setTcpNoDelay(boolean on) throws SocketException { data.setTcpNoDelay(on); }
    @Override public boolean getTcpNoDelay() throws SocketException { return data.getTcpNoDelay(); }
    @Override public void setKeepAlive(boolean on) throws SocketException { data.setKeepAlive(on); }
    @Override public boolean getKeepAlive() throws SocketException { return data.getKeepAlive(); }
    @Override public void setSoLinger(boolean on, int linger) throws SocketException { data.setSoLinger(on, linger); }
    @Override public int getSoLinger() throws SocketException { return data.getSoLinger(); }
    @Override public void setReceiveBufferSize(int size) throws SocketException { data.setReceiveBufferSize(size); }
    @Override public int getReceiveBufferSize() throws SocketException { return data.getReceiveBufferSize(); }
    @Override public void setSendBufferSize(int size) throws SocketException { data.setSendBufferSize(size); }
    @Override public int getSendBufferSize() throws SocketException { return data.getSendBufferSize(); }
    @Override public void shutdownInput() throws IOException { data.shutdownInput(); }
    @Override public void shutdownOutput() throws IOException { data.shutdownOutput(); }
    @Override public boolean isInputShutdown() { return data.isInputShutdown(); }
    @Override public boolean isOutputShutdown() { return data.isOutputShutdown(); }
    @Override public String toString() { return data + " (resuming the session of control port " + controlPort + ")"; }
}
