import QtQuick

// A remote image that never shows as broken: a titled placeholder stays until the image is
// decoded, and stays for good if it cannot be loaded. Images decode off the UI thread.
Item {
    id: art
    property url source
    property string fallbackText: ""
    property real fallbackHue: 0.6
    readonly property bool ready: image.status === Image.Ready
    readonly property bool failed: image.status === Image.Error

    Rectangle {
        objectName: "artPlaceholder"
        anchors.fill: parent
        visible: !art.ready || image.opacity < 1
        gradient: Gradient {
            GradientStop { position: 0.0; color: Qt.hsla(art.fallbackHue, 0.35, 0.22, 1) }
            GradientStop { position: 1.0; color: Qt.hsla(art.fallbackHue, 0.30, 0.10, 1) }
        }
        Label {
            objectName: "artPlaceholderText"
            anchors.fill: parent
            anchors.margins: Theme.px(14)
            text: art.fallbackText
            size: Theme.fontHeading
            font.weight: Font.DemiBold
            color: Qt.rgba(1, 1, 1, 0.72)
            wrapMode: Text.WordWrap
            horizontalAlignment: Text.AlignHCenter
            verticalAlignment: Text.AlignVCenter
            maximumLineCount: 4
        }
    }
    Image {
        id: image
        objectName: "artImage"
        anchors.fill: parent
        source: art.source
        asynchronous: true
        cache: true
        fillMode: Image.PreserveAspectCrop
        sourceSize.width: Math.ceil(art.width * 1.1)
        opacity: art.ready ? 1 : 0
        Behavior on opacity { NumberAnimation { duration: Theme.normal } }
    }

    // A stable hue per title, so placeholders differ from each other.
    function hueOf(text) {
        var h = 0
        for (var i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) % 360
        return h / 360
    }
    Component.onCompleted: fallbackHue = hueOf(fallbackText)
    onFallbackTextChanged: fallbackHue = hueOf(fallbackText)
}
