<?xml version="1.0" encoding="UTF-8"?>
<!-- The feed as a page: what a browser gets at /. The text stays escaped (xslt() keeps it so). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
  <xsl:output method="html" encoding="UTF-8"/>
  <!-- where the app is mounted (SCRIPT_NAME), passed by xslt({ parameters }) -->
  <xsl:param name="base" select="''"/>
  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="rss/channel/title"/></title>
        <style>
          body { margin: 0 auto; max-width: 42rem; padding: 1.5rem 1.25rem; font: 16px/1.55 system-ui, sans-serif; color: #1d2330; }
          a { color: #2f5bea; } li { margin: 0 0 1rem; } .by { color: #5d6576; }
        </style>
      </head>
      <body>
        <h1><xsl:value-of select="rss/channel/title"/></h1>
        <p><xsl:value-of select="rss/channel/description"/>
          Feed readers: <a class="feed" href="{$base}/feed.xml">subscribe to the RSS feed</a>.</p>
        <ul>
          <xsl:for-each select="rss/channel/item">
            <li>
              <a href="{link}"><xsl:value-of select="title"/></a>
              <span class="by"> by <xsl:value-of select="dc:creator"/></span>
              <br/><xsl:value-of select="description"/>
            </li>
          </xsl:for-each>
        </ul>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
